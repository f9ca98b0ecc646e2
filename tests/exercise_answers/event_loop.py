"""What 03-event-loop defines before its exercises, and named wrong answers to them."""

import asyncio
import threading
import time

from solutions import WrongAnswer

from helpers.lessons.toyloop import Readable, Sleep, ToyLoop
from helpers.measure.timeline import Timeline


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
            kind="other",
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
            kind="structure",
        ),
        "counts up": WrongAnswer(
            """
def countdown(name, n, log):
    for i in range(1, n + 1):
        log.append(f"{name} {i}")
        yield Sleep(0.05)
""",
            says=r"logged \['a 1', 'a 2', 'a 3'\]: count from n down to 1",
            kind="other",
        ),
        "asyncio.sleep on the toy loop": WrongAnswer(
            """
async def countdown(name, n, log):
    for i in range(n, 0, -1):
        log.append(f"{name} {i}")
        await asyncio.sleep(0.05)
""",
            says=r"The toy loop understands only its own requests",
            kind="other",
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
            kind="half",
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
            kind="other",
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
            kind="other",
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
            kind="structure",
        ),
    },
    "check_lookup": {
        "a lookup that blocks the loop": WrongAnswer(
            """
async def lookup(key):
    return slow_lookup(key)
""",
            says=r"slow_lookup ran on the event loop's thread and blocked it: a 0.05 s nap",
            kind="structure",
        ),
        "the call's result passed to to_thread": WrongAnswer(
            """
async def lookup(key):
    return await asyncio.to_thread(slow_lookup(key))
""",
            says=r"slow_lookup ran on the event loop's thread",
            kind="other",
        ),
        "to_thread not awaited": WrongAnswer(
            """
async def lookup(key):
    return asyncio.to_thread(slow_lookup, key)
""",
            says=r"lookup returned <coroutine object to_thread .*>, not the answer: await it",
            kind="other",
        ),
    },
    "check_fetch_from_thread": {
        "asyncio.run in the worker thread": WrongAnswer(
            """
def fetch_from_thread(loop, name):
    return asyncio.run(fetch_page(name))
""",
            says=r"fetch_page ran on a new loop of its own \(asyncio.run in the worker thread\?\)",
            kind="structure",
        ),
        "run_until_complete on the running loop": WrongAnswer(
            """
def fetch_from_thread(loop, name):
    return loop.run_until_complete(fetch_page(name))
""",
            says=r"raised RuntimeError: This event loop is already running\. In a worker thread",
            kind="other",
        ),
        "the concurrent Future returned": WrongAnswer(
            """
def fetch_from_thread(loop, name):
    return asyncio.run_coroutine_threadsafe(fetch_page(name), loop)
""",
            says=r"returned a concurrent.futures.Future, not the page: wait for it",
            kind="other",
        ),
        "loop.create_task from the thread": WrongAnswer(
            """
def fetch_from_thread(loop, name):
    return loop.create_task(fetch_page(name))
""",
            says=r"returned an asyncio Task: loop.create_task is not thread-safe",
            kind="other",
        ),
        "an async def that the thread cannot await": WrongAnswer(
            """
async def fetch_from_thread(loop, name):
    return await fetch_page(name)
""",
            says=r"fetch_from_thread is an `async def`: a worker thread cannot await it",
            kind="other",
        ),
    },
    "check_save_stoppable": {
        "the thread not told to stop": WrongAnswer(
            """
async def save_stoppable(parts, saved):
    await asyncio.to_thread(save_parts_until, parts, saved, threading.Event())
""",
            says=r"the thread saved \d+ more parts after the task was cancelled: cancelling",
            kind="half",
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
            kind="other",
        ),
        "called on the loop's thread": WrongAnswer(
            """
async def save_stoppable(parts, saved):
    save_parts_until(parts, saved, threading.Event())
""",
            says=r"save_parts_until ran on the loop's thread and blocked it",
            kind="structure",
        ),
        "the Event set only after the thread ends": WrongAnswer(
            """
async def save_stoppable(parts, saved):
    stop = threading.Event()
    await asyncio.to_thread(save_parts_until, parts, saved, stop)
    stop.set()
""",
            says=r"the thread saved \d+ more parts after the task was cancelled",
            kind="half",
        ),
    },
}


# Kinds that no wrong answer here covers, with the reason they do not apply (issue 23).
NOT_APPLICABLE: dict[str, dict[str, str]] = {}
