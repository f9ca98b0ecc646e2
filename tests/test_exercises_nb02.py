"""The checks of 02-coroutines pass the solutions the notebook shows and catch named mistakes."""

import asyncio
import gc
import threading
import warnings
from pathlib import Path

import pytest
from solutions import WrongAnswer, exercises, grade, wrong_answers

from helpers.exercises import NOT_ATTEMPTED, Mistake

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "02-coroutines.ipynb"


def notebook_namespace() -> dict:
    """What 02-coroutines defines before its exercises, as the exercises use it."""

    async def add(a: int, b: int) -> int:
        return a + b

    return {
        "asyncio": asyncio,
        "gc": gc,
        "threading": threading,
        "warnings": warnings,
        "add": add,
    }


WRONG_ANSWERS = {
    "check_brew_tea": {
        "the awaits still missing": WrongAnswer(
            """
async def brew_tea():
    print("boiling water")
    asyncio.sleep(0.1)
    print("steeping")
    asyncio.sleep(0.2)
    return "tea"
""",
            says=r"coroutine 'sleep' was never awaited: .* Put `await` before each one",
        ),
        "two time.sleep calls": WrongAnswer(
            """
import time

async def brew_tea():
    print("boiling water")
    time.sleep(0.1)
    print("steeping")
    time.sleep(0.2)
    return "tea"
""",
            says=r"ran one after the other, never side by side: time.sleep blocks the event loop",
        ),
        "only the first sleep awaited": WrongAnswer(
            """
async def brew_tea():
    print("boiling water")
    await asyncio.sleep(0.1)
    print("steeping")
    asyncio.sleep(0.2)
    return "tea"
""",
            says=r"coroutine 'sleep' was never awaited",
        ),
        "both steps gathered at once": WrongAnswer(
            """
async def brew_tea():
    print("boiling water")
    print("steeping")
    await asyncio.gather(asyncio.sleep(0.1), asyncio.sleep(0.2))
    return "tea"
""",
            says=r"less than its steps' 0.3 s: await the steps one after the other",
        ),
    },
    "check_run_elsewhere": {
        "asyncio.run in the calling thread": WrongAnswer(
            """
def run_elsewhere(coroutine):
    return asyncio.run(coroutine)
""",
            says=r"asyncio.run\(\) cannot be called from a running event loop\. This thread",
        ),
        "run_until_complete on the kernel's loop": WrongAnswer(
            """
def run_elsewhere(coroutine):
    return asyncio.get_event_loop().run_until_complete(coroutine)
""",
            says=r"This event loop is already running\. This thread already runs an event loop",
        ),
        "a new loop in the same thread": WrongAnswer(
            """
def run_elsewhere(coroutine):
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coroutine)
    finally:
        loop.close()
""",
            says=r"Cannot run the event loop while another loop is running",
        ),
        "a thread that nobody waits for": WrongAnswer(
            """
def run_elsewhere(coroutine):
    threading.Thread(target=asyncio.run, args=(coroutine,)).start()
""",
            says=r"returned None, not the coroutine's result \(42\): wait for the other thread",
        ),
    },
    "check_main_saves": {
        "the save after the await": WrongAnswer(
            """
async def main(log):
    log.append("started")
    await asyncio.sleep(10)
    log.append("saved")
""",
            says=r"the log is \['started'\]: nothing was saved. The CancelledError is raised at",
        ),
        "except Exception misses the cancellation": WrongAnswer(
            """
async def main(log):
    log.append("started")
    try:
        await asyncio.sleep(10)
    except Exception:
        log.append("saved")
        raise
""",
            says=r"it is not an Exception \(a BaseException\), so `except Exception` misses it",
        ),
        "the cancellation swallowed": WrongAnswer(
            """
async def main(log):
    log.append("started")
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        log.append("saved")
""",
            says=r"swallowed the CancelledError and returned: on Python 3.11\+ asyncio.run would",
        ),
        "no work to cancel": WrongAnswer(
            """
async def main(log):
    log.append("started")
    log.append("saved")
""",
            says=r"main ended before Ctrl-C came, with log \['started', 'saved'\]: it should work",
        ),
    },
}


@pytest.mark.parametrize("exercise", exercises(NOTEBOOK), ids=str)
def test_reference_solution_passes(exercise, capsys):
    assert grade(NOTEBOOK, exercise.check, exercise.solution, notebook_namespace()) is True
    assert capsys.readouterr().out.splitlines()[-1].startswith("✓")


@pytest.mark.parametrize(("check", "mistake"), wrong_answers(WRONG_ANSWERS))
def test_wrong_answer_is_caught(check, mistake):
    wrong = WRONG_ANSWERS[check][mistake]
    with pytest.raises(Mistake, match=wrong.says):
        grade(NOTEBOOK, check, wrong.code, notebook_namespace())


@pytest.mark.parametrize("exercise", exercises(NOTEBOOK), ids=str)
def test_untouched_exercise_is_not_attempted(exercise, capsys):
    assert grade(NOTEBOOK, exercise.check, None, notebook_namespace()) is False
    assert capsys.readouterr().out.startswith(NOT_ATTEMPTED)
