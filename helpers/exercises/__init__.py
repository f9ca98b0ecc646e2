"""Self-checks for the course's exercises: one module per notebook, one function per exercise.

A notebook's checks live in the module named for the notebook without its number
(`01-why-asyncio` → `helpers.exercises.why_asyncio`). A self-check cell calls its check with the
notebook's namespace, for example `check_deposit_audited(globals())` (or
`await check_fetch_all(globals())` for a coroutine). The check finds the learner's answer by
name. If it is not defined yet, the check prints "not attempted yet" and what to define, and
returns None, so that the cell shows that line alone and Run All carries on. A wrong answer
raises `Mistake`, whose message names the mistake; a right one prints a line with ✓ and returns
True. The tools a check uses on the learner's code: `watchdog` (a hang becomes a Mistake),
`bypass` (calling the answer instead of writing it), `predictions` (predict, then measure).
Each check is tested against the solution shown in the notebook and named wrong answers
(`tests/test_exercises.py`, data in `tests/exercise_answers/`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

NOT_ATTEMPTED = "not attempted yet"


class Mistake(AssertionError):
    """A learner's answer is wrong; the message says what is wrong and how to fix it."""


def not_attempted(what: str) -> None:
    """Say that the exercise is not attempted yet, and what to do first; return None."""
    print(f"{NOT_ATTEMPTED}: {what}, then run this check again")


def answer(namespace: Mapping[str, Any], name: str, what: str) -> Any | None:
    """The learner's definition of `name`, or None after saying what to define."""
    value = namespace.get(name)
    if value is None:
        not_attempted(f"define {what} in the cell above")
    return value


def passed(message: str) -> bool:
    """Report a passed check and return True."""
    print(f"✓ {message}")
    return True
