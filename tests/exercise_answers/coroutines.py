"""What 02-coroutines defines before its exercises, and named wrong answers to them."""

import asyncio
import gc
import threading
import warnings

from solutions import WrongAnswer


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
            kind="other",
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
            kind="structure",
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
            kind="other",
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
            kind="structure",
        ),
    },
    "check_run_elsewhere": {
        "asyncio.run in the calling thread": WrongAnswer(
            """
def run_elsewhere(coroutine):
    return asyncio.run(coroutine)
""",
            says=r"asyncio.run\(\) cannot be called from a running event loop\. This thread",
            kind="other",
        ),
        "run_until_complete on the kernel's loop": WrongAnswer(
            """
def run_elsewhere(coroutine):
    return asyncio.get_event_loop().run_until_complete(coroutine)
""",
            says=r"This event loop is already running\. This thread already runs an event loop",
            kind="other",
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
            kind="other",
        ),
        "a thread that nobody waits for": WrongAnswer(
            """
def run_elsewhere(coroutine):
    threading.Thread(target=asyncio.run, args=(coroutine,)).start()
""",
            says=r"returned None, not the coroutine's result \(42\): wait for the other thread",
            kind="other",
        ),
        "run_coroutine_threadsafe on the kernel's own loop, then .result()": WrongAnswer(
            """
def run_elsewhere(coroutine):
    return asyncio.run_coroutine_threadsafe(coroutine, asyncio.get_event_loop()).result()
""",
            says=r"run_elsewhere\(coroutine\) blocked the thread it was called on for [\d.]+ s, "
            r"the thread that runs the event loop in a notebook: it waits for the event loop "
            r"that this very thread runs",
            kind="hang",
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
            kind="half",
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
            kind="half",
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
            kind="other",
        ),
        "no work to cancel": WrongAnswer(
            """
async def main(log):
    log.append("started")
    log.append("saved")
""",
            says=r"main ended before Ctrl-C came, with log \['started', 'saved'\]: it should work",
            kind="other",
        ),
    },
}


# Kinds that no wrong answer here covers, with the reason they do not apply (issue 23).
NOT_APPLICABLE: dict[str, dict[str, str]] = {}
