"""The checks of 03-event-loop pass the solutions the notebook shows and catch named mistakes."""

import asyncio
import threading
import time
from pathlib import Path

import pytest
from solutions import WrongAnswer, exercises, grade, wrong_answers

from helpers.exercises import NOT_ATTEMPTED, Mistake
from helpers.lessons.toyloop import Readable, Sleep, ToyLoop
from helpers.measure.timeline import Timeline

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "03-event-loop.ipynb"


def notebook_namespace() -> dict:
    """What 03-event-loop defines before its exercises, as the exercises use it."""

    def slow_lookup(key: str) -> str:
        time.sleep(0.3)
        return key.upper()

    def save_parts_until(parts: int, saved: list[int], stop: threading.Event) -> None:
        for part in range(1, parts + 1):
            if stop.is_set():
                return
            time.sleep(0.02)
            saved.append(part)

    async def fetch_page(name: str) -> str:
        await asyncio.sleep(0.02)
        return f"<html>{name}</html>"

    return {
        "asyncio": asyncio,
        "time": time,
        "Readable": Readable,
        "Sleep": Sleep,
        "ToyLoop": ToyLoop,
        "Timeline": Timeline,
        "slow_lookup": slow_lookup,
        "fetch_page": fetch_page,
        "save_parts_until": save_parts_until,
        "threading": threading,
    }


WRONG_ANSWERS = {
    "check_countdown": {
        "time.sleep and no yield": WrongAnswer(
            """
def countdown(name, n, log):
    for i in range(n, 0, -1):
        log.append(f"{name} {i}")
        time.sleep(0.05)
""",
            says=r"not a generator: with no `yield` in it, it ran to the end when called",
        ),
        "time.sleep, then a bare yield": WrongAnswer(
            """
def countdown(name, n, log):
    for i in range(n, 0, -1):
        log.append(f"{name} {i}")
        time.sleep(0.05)
        yield
""",
            says=r"paused with \[None, .*`yield Sleep\(0.05\)`. time.sleep blocks the whole loop",
        ),
        "counts up": WrongAnswer(
            """
def countdown(name, n, log):
    for i in range(1, n + 1):
        log.append(f"{name} {i}")
        yield Sleep(0.05)
""",
            says=r"logged \['a 1', 'a 2', 'a 3'\]: count from n down to 1",
        ),
        "asyncio.sleep on the toy loop": WrongAnswer(
            """
async def countdown(name, n, log):
    for i in range(n, 0, -1):
        log.append(f"{name} {i}")
        await asyncio.sleep(0.05)
""",
            says=r"The toy loop understands only its own requests",
        ),
    },
    "check_future_sleep": {
        "the timer is not cancelled": WrongAnswer(
            """
async def future_sleep(seconds, result=None):
    loop = asyncio.get_running_loop()
    future = loop.create_future()
    loop.call_later(seconds, future.set_result, result)
    return await future
""",
            says=r"the timer still fired. Cancel the handle call_later returned",
        ),
        "the Future returned, not awaited": WrongAnswer(
            """
async def future_sleep(seconds, result=None):
    loop = asyncio.get_running_loop()
    future = loop.create_future()
    loop.call_later(seconds, future.set_result, result)
    return future
""",
            says=r"future_sleep returned <Future .*>: `return await future`",
        ),
        "the cancellation swallowed": WrongAnswer(
            """
async def future_sleep(seconds, result=None):
    loop = asyncio.get_running_loop()
    future = loop.create_future()
    timer = loop.call_later(seconds, future.set_result, result)
    try:
        return await future
    except asyncio.CancelledError:
        timer.cancel()
""",
            says=r"future_sleep swallowed its cancellation",
        ),
        "time.sleep, then set_result": WrongAnswer(
            """
async def future_sleep(seconds, result=None):
    future = asyncio.get_running_loop().create_future()
    time.sleep(seconds)
    future.set_result(result)
    return await future
""",
            says=r"ran one after the other: something blocks the loop",
        ),
    },
    "check_lookup": {
        "a lookup that blocks the loop": WrongAnswer(
            """
async def lookup(key):
    return slow_lookup(key)
""",
            says=r"slow_lookup ran on the event loop's thread and blocked it: a 0.05 s nap",
        ),
        "the call's result passed to to_thread": WrongAnswer(
            """
async def lookup(key):
    return await asyncio.to_thread(slow_lookup(key))
""",
            says=r"slow_lookup ran on the event loop's thread",
        ),
        "to_thread not awaited": WrongAnswer(
            """
async def lookup(key):
    return asyncio.to_thread(slow_lookup, key)
""",
            says=r"lookup returned <coroutine object to_thread .*>, not the answer: await it",
        ),
    },
    "check_fetch_from_thread": {
        "asyncio.run in the worker thread": WrongAnswer(
            """
def fetch_from_thread(loop, name):
    return asyncio.run(fetch_page(name))
""",
            says=r"fetch_page ran on a new loop of its own \(asyncio.run in the worker thread\?\)",
        ),
        "run_until_complete on the running loop": WrongAnswer(
            """
def fetch_from_thread(loop, name):
    return loop.run_until_complete(fetch_page(name))
""",
            says=r"raised RuntimeError: This event loop is already running\. In a worker thread",
        ),
        "the concurrent Future returned": WrongAnswer(
            """
def fetch_from_thread(loop, name):
    return asyncio.run_coroutine_threadsafe(fetch_page(name), loop)
""",
            says=r"returned a concurrent.futures.Future, not the page: wait for it",
        ),
        "loop.create_task from the thread": WrongAnswer(
            """
def fetch_from_thread(loop, name):
    return loop.create_task(fetch_page(name))
""",
            says=r"returned an asyncio Task: loop.create_task is not thread-safe",
        ),
        "an async def that the thread cannot await": WrongAnswer(
            """
async def fetch_from_thread(loop, name):
    return await fetch_page(name)
""",
            says=r"fetch_from_thread is an `async def`: a worker thread cannot await it",
        ),
    },
    "check_save_stoppable": {
        "the thread not told to stop": WrongAnswer(
            """
async def save_stoppable(parts, saved):
    await asyncio.to_thread(save_parts_until, parts, saved, threading.Event())
""",
            says=r"the thread saved \d+ more parts after the task was cancelled: cancelling",
        ),
        "the cancellation swallowed": WrongAnswer(
            """
async def save_stoppable(parts, saved):
    stop = threading.Event()
    try:
        await asyncio.to_thread(save_parts_until, parts, saved, stop)
    except asyncio.CancelledError:
        stop.set()
""",
            says=r"stopped its thread but swallowed the CancelledError",
        ),
        "called on the loop's thread": WrongAnswer(
            """
async def save_stoppable(parts, saved):
    save_parts_until(parts, saved, threading.Event())
""",
            says=r"save_parts_until ran on the loop's thread and blocked it",
        ),
        "the Event set only after the thread ends": WrongAnswer(
            """
async def save_stoppable(parts, saved):
    stop = threading.Event()
    await asyncio.to_thread(save_parts_until, parts, saved, stop)
    stop.set()
""",
            says=r"the thread saved \d+ more parts after the task was cancelled",
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


def test_lookup_check_restores_slow_lookup():
    namespace = notebook_namespace()
    original = namespace["slow_lookup"]
    code = WRONG_ANSWERS["check_lookup"]["a lookup that blocks the loop"].code
    with pytest.raises(Mistake):
        grade(NOTEBOOK, "check_lookup", code, namespace)
    assert namespace["slow_lookup"] is original


def test_fetch_check_restores_fetch_page():
    namespace = notebook_namespace()
    original = namespace["fetch_page"]
    code = WRONG_ANSWERS["check_fetch_from_thread"]["asyncio.run in the worker thread"].code
    with pytest.raises(Mistake):
        grade(NOTEBOOK, "check_fetch_from_thread", code, namespace)
    assert namespace["fetch_page"] is original
