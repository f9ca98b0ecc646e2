"""Self-checks for the course's exercises: one module per notebook, one function per exercise.

A notebook's checks live in the module named for the notebook without its number
(`01-why-asyncio` → `helpers.exercises.why_asyncio`). A self-check cell calls its check with the
notebook's namespace, for example `check_deposit_audited(globals())` (or
`await check_fetch_all(globals())` for a coroutine). The check finds the learner's answer by
name. If it is not defined yet, `answer` ends the check (NotAttempted), which prints "not attempted
yet" and what to define, and returns None, so that the cell shows that line alone and Run All
carries on. A wrong answer
raises `Mistake`, whose message names the mistake; a right one prints a line with ✓ and returns
True. Every check wears `@self_check`: an exception that the learner's code raised and the check
let through becomes a Mistake naming it and the line it came from, not a bare traceback. The
tools a check uses on the learner's code: `watchdog` (a hang becomes a Mistake), `bypass`
(calling the answer instead of writing it), `predictions` (predict, then measure).
Each check is tested against the solution shown in the notebook and named wrong answers
(`tests/test_exercises.py`, data in `tests/exercise_answers/`).
"""

from __future__ import annotations

import functools
import inspect
import linecache
import os
import sysconfig
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn, TypeVar, cast

NOT_ATTEMPTED = "not attempted yet"
# Folders whose code is not the learner's: the course's helpers, and Python's own libraries.
_NOT_THE_LEARNERS = tuple(
    os.path.realpath(folder) + os.sep
    for folder in {
        str(Path(__file__).parent.parent),
        *(sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")),
    }
)
Check = TypeVar("Check", bound=Callable[..., Any])


class Mistake(AssertionError):
    """A learner's answer is wrong; the message says what is wrong and how to fix it."""


class NotAttempted(Exception):
    """What a check needs is not defined yet; the message says what to do first."""


def not_attempted(what: str) -> NoReturn:
    """End the check: @self_check says the exercise is not attempted yet, and returns None."""
    raise NotAttempted(what)


def answer(namespace: Mapping[str, Any], name: str, what: str) -> Any:
    """The learner's definition of `name`; until there is one, the check ends not attempted."""
    value = namespace.get(name)
    if value is None:
        not_attempted(f"define {what} in the cell above")
    return value


def passed(message: str) -> bool:
    """Report a passed check and return True."""
    print(f"✓ {message}")
    return True


def _learners(filename: str) -> bool:
    """Whether code from this file is the learner's (a notebook's cell), not a library's."""
    if filename.startswith("<frozen "):
        return False
    return not os.path.realpath(filename).startswith(_NOT_THE_LEARNERS)


def stray_error(error: BaseException) -> Mistake | None:
    """A Mistake naming the error and the innermost line of the learner's code it came through."""
    where = None
    frame = error.__traceback__
    while frame is not None:
        if _learners(frame.tb_frame.f_code.co_filename):
            where = frame
        frame = frame.tb_next
    if where is None:  # not through the learner's code: the check's own failure
        return None
    code = where.tb_frame.f_code
    line = linecache.getline(code.co_filename, where.tb_lineno).strip()
    source = f": `{line}`" if line else ""
    raised = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return Mistake(
        f"your code raised {raised} (line {where.tb_lineno} of {code.co_qualname}{source}). "
        "Fix that error, then run this check again"
    )


@contextmanager
def _checking() -> Iterator[None]:
    try:
        yield
    except NotAttempted as missing:  # the check ends here, and returns None
        print(f"{NOT_ATTEMPTED}: {missing}, then run this check again")
    except Mistake:
        raise
    except Exception as error:
        mistake = stray_error(error)
        if mistake is None:
            raise  # such as a server that did not start: its own traceback
        raise mistake from None


def self_check(check: Check) -> Check:
    """Make a check return None if not attempted, and name an error of the learner's code."""
    if inspect.iscoroutinefunction(check):

        @functools.wraps(check)
        async def awaited(namespace: Any) -> Any:
            with _checking():
                return await check(namespace)

        return cast(Check, awaited)

    @functools.wraps(check)
    def called(namespace: Any) -> Any:
        with _checking():
            return check(namespace)

    return cast(Check, called)
