"""The checks of 01-why-asyncio pass the solutions the notebook shows and catch named mistakes."""

import asyncio
import threading
import time
from pathlib import Path

import pytest
from solutions import WrongAnswer, exercises, grade, wrong_answers

from helpers.exercises import NOT_ATTEMPTED, Mistake, nb01

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "01-why-asyncio.ipynb"


def notebook_namespace() -> dict:
    """What 01-why-asyncio defines before its exercises, as the exercises use it."""

    class Account:
        def __init__(self) -> None:
            self.balance = 0

    def write_audit_line() -> None:
        time.sleep(0)

    return {
        "asyncio": asyncio,
        "threading": threading,
        "time": time,
        "Account": Account,
        "balance_lock": threading.Lock(),
        "write_audit_line": write_audit_line,
    }


WRONG_ANSWERS = {
    "check_deposit_audited": {
        "no lock at all": WrongAnswer(
            """
def deposit_audited(account, times):
    for _ in range(times):
        write_audit_line()
        account.balance += 1
""",
            says=r"lost \d+ of 100 updates: \d threads were between reading",
        ),
        "lock held across the slow call": WrongAnswer(
            """
def deposit_audited(account, times):
    for _ in range(times):
        with balance_lock:
            write_audit_line()
            account.balance += 1
""",
            says=r"ever inside write_audit_line\(\) at once: it is called while balance_lock",
        ),
        "lock released between the read and the write": WrongAnswer(
            """
def deposit_audited(account, times):
    for _ in range(times):
        with balance_lock:
            balance = account.balance
        write_audit_line()
        with balance_lock:
            account.balance = balance + 1
""",
            says=r"lost \d+ of 100 updates",
        ),
        "the lock taken twice": WrongAnswer(
            """
def deposit_audited(account, times):
    for _ in range(times):
        with balance_lock:
            write_audit_line()
            with balance_lock:
                account.balance += 1
""",
            says=r"still running after 3 s: does a thread wait for a lock it already holds",
        ),
    },
    "check_fetch_all": {
        "awaits each wait in turn": WrongAnswer(
            """
async def fetch_all(latencies):
    for latency in latencies:
        await asyncio.sleep(latency)
""",
            says=r"the sum of the waits \(1.0 s\): it awaits them one after another",
        ),
        "time.sleep in a coroutine": WrongAnswer(
            """
async def fetch_all(latencies):
    for latency in latencies:
        time.sleep(latency)
""",
            says=r"event loop was blocked for [\d.]+ s: time.sleep blocks it",
        ),
        "starts the waits but does not await them": WrongAnswer(
            """
async def fetch_all(latencies):
    for latency in latencies:
        asyncio.create_task(asyncio.sleep(latency))
""",
            says=r"before its longest wait \(0.4 s\) was over",
        ),
    },
}


@pytest.mark.parametrize("exercise", exercises(NOTEBOOK), ids=str)
def test_reference_solution_passes(exercise, capsys):
    assert grade(NOTEBOOK, exercise.check, exercise.solution, notebook_namespace()) is True
    assert capsys.readouterr().out.startswith("✓")


@pytest.mark.parametrize(("check", "mistake"), wrong_answers(WRONG_ANSWERS))
def test_wrong_answer_is_caught(check, mistake, monkeypatch):
    # In class a check waits longer for threads to meet or to finish; here the mistakes are known.
    monkeypatch.setattr(nb01, "MEET_S", 0.5)
    monkeypatch.setattr(nb01, "FINISH_S", 3.0)
    wrong = WRONG_ANSWERS[check][mistake]
    with pytest.raises(Mistake, match=wrong.says):
        grade(NOTEBOOK, check, wrong.code, notebook_namespace())


@pytest.mark.parametrize("exercise", exercises(NOTEBOOK), ids=str)
def test_untouched_exercise_is_not_attempted(exercise, capsys):
    assert grade(NOTEBOOK, exercise.check, None, notebook_namespace()) is False
    assert capsys.readouterr().out.startswith(NOT_ATTEMPTED)


def test_a_missing_lock_loses_updates_every_time():
    """The race is made wide enough that a missing lock never slips through by luck."""
    wrong = WRONG_ANSWERS["check_deposit_audited"]["no lock at all"]
    for _ in range(10):
        with pytest.raises(Mistake, match=wrong.says):
            grade(NOTEBOOK, "check_deposit_audited", wrong.code, notebook_namespace())


def test_check_restores_write_audit_line():
    namespace = notebook_namespace()
    original = namespace["write_audit_line"]
    code = WRONG_ANSWERS["check_deposit_audited"]["no lock at all"].code
    with pytest.raises(Mistake):
        grade(NOTEBOOK, "check_deposit_audited", code, namespace)
    assert namespace["write_audit_line"] is original
