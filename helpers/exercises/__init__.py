"""Self-checks for the course's exercises: one module per notebook, one function per exercise.

A self-check cell calls its check with the notebook's namespace, for example
`check_deposit_audited(globals())` (or `await check_fetch_all(globals())` for a coroutine).
The check finds the learner's answer by name. If it is not defined yet, the check prints
"not attempted yet" and what to define, and returns False, so that Run All carries on. A wrong
answer raises `Mistake`, whose message names the mistake; a right one prints a line with ✓ and
returns True. Each check has tests that pass the reference solution shown in the notebook and
fail named wrong answers (`tests/test_exercises_*.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

NOT_ATTEMPTED = "not attempted yet"


class Mistake(AssertionError):
    """A learner's answer is wrong; the message says what is wrong and how to fix it."""


def answer(namespace: Mapping[str, Any], name: str, what: str) -> Any | None:
    """The learner's definition of `name`, or None after saying what to define."""
    value = namespace.get(name)
    if value is None:
        print(f"{NOT_ATTEMPTED}: define {what} in the cell above, then run this check again")
    return value


def passed(message: str) -> bool:
    """Report a passed check and return True."""
    print(f"✓ {message}")
    return True
