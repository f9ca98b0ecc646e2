"""Self-checks for 02-coroutines: awaiting every step; a result in a plain function; Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import inspect
import warnings
from typing import Any

from helpers.exercises import Mistake, answer, passed, watchdog
from helpers.measure.timeline import Timeline

BREW_S = 0.3  # brew_tea's two steps, 0.1 s and 0.2 s
WAITS_FOR_ITS_OWN_LOOP = (
    "it waits for the event loop that this very thread runs, so neither can go on (did it "
    "hand the coroutine to the running loop, with run_coroutine_threadsafe or ensure_future, "
    "and wait for the result?). Run the coroutine with asyncio.run in another thread, and "
    "wait for that thread"
)


async def check_brew_tea(namespace: dict[str, Any]) -> bool | None:
    """02-coroutines, exercise 1: every sleep awaited, and two brews wait side by side."""
    brew_tea = answer(namespace, "brew_tea", "async def brew_tea()")
    if brew_tea is None:
        return None
    if not inspect.iscoroutinefunction(brew_tea):
        raise Mistake("brew_tea is a plain function: define it with `async def`")
    timeline = Timeline()
    brew = timeline.traced(brew_tea)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cups = await asyncio.gather(brew(), brew())
        gc.collect()  # a coroutine nobody awaited warns when it is freed
    never_awaited = sorted({str(w.message) for w in caught if "never awaited" in str(w.message)})
    if never_awaited:
        raise Mistake(
            f"{'; '.join(never_awaited)}: calling asyncio.sleep(...) only builds a coroutine. "
            "Put `await` before each one"
        )
    if cups != ["tea", "tea"]:
        raise Mistake(f"brew_tea() returned {cups[0]!r}, not 'tea'")
    if timeline.overlap("brew_tea #1", "brew_tea #2") == 0:
        raise Mistake(
            "two brews ran one after the other, never side by side: time.sleep blocks the event "
            "loop while it waits. Wait with `await asyncio.sleep(...)`"
        )
    shortest = min(timeline.duration(name) for name in timeline.names)
    if shortest < 0.9 * BREW_S:
        raise Mistake(
            f"brew_tea took {shortest:.2f} s, less than its steps' {BREW_S} s: await the "
            "steps one after the other, boiling before steeping"
        )
    return passed("brew_tea awaits both steps, and two brews waited side by side")


async def check_run_elsewhere(namespace: dict[str, Any]) -> bool | None:
    """02-coroutines, exercise 2: a plain function gets a coroutine's result inside the kernel."""
    run_elsewhere = answer(namespace, "run_elsewhere", "run_elsewhere(coroutine)")
    if run_elsewhere is None:
        return None

    async def forty_two() -> int:
        await asyncio.sleep(0.01)
        return 42

    coroutine = forty_two()
    try:
        with watchdog.blocking("run_elsewhere(coroutine)", advice=WAITS_FOR_ITS_OWN_LOOP):
            result = run_elsewhere(coroutine)  # a plain call, with a loop running here
    except BaseException as error:
        if inspect.getcoroutinestate(coroutine) == inspect.CORO_CREATED:
            coroutine.close()  # never started: close it, so it does not warn "never awaited"
        if isinstance(error, RuntimeError):
            raise Mistake(
                f"RuntimeError: {error}. This thread already runs an event loop, so no loop can "
                "run the coroutine here: run it with asyncio.run in another thread"
            ) from None
        raise
    if result != 42:
        raise Mistake(
            f"run_elsewhere returned {result!r}, not the coroutine's result (42): wait for "
            "the other thread to finish and return what the coroutine returned"
        )
    if hasattr(type(asyncio.get_running_loop()), "_nest_patched"):
        raise Mistake(
            "the kernel's event loop is patched by nest_asyncio: this exercise needs no patch "
            "(restart the kernel to undo it)"
        )
    return passed("run_elsewhere ran the coroutine on its own loop in another thread")


async def check_main_saves(namespace: dict[str, Any]) -> bool | None:
    """02-coroutines, exercise 3: main saves when Ctrl-C cancels it, and stays cancelled."""
    main = answer(namespace, "main", "async def main(log)")
    if main is None:
        return None
    if not inspect.iscoroutinefunction(main):
        raise Mistake("main is a plain function: define it with `async def`")
    log: list[str] = []
    task = asyncio.create_task(main(log))
    for _ in range(100):  # until it has started, or ended: at most about a second
        if log or task.done():
            break
        await asyncio.sleep(0.01)
    if task.done():
        outcome = "was cancelled" if task.cancelled() else "ended"
        if not task.cancelled():
            task.exception()  # retrieved, so that an error is not reported again
        raise Mistake(
            f"main {outcome} before Ctrl-C came, with log {log}: it should work until "
            "cancelled, `await asyncio.sleep(10)` standing for the work"
        )
    task.cancel()  # what asyncio.run does to the main task on Ctrl-C (Python 3.11+)
    with contextlib.suppress(asyncio.CancelledError):
        await task
    if "saved" not in log:
        raise Mistake(
            f"after the cancellation the log is {log}: nothing was saved. The CancelledError "
            "is raised at the `await`, so the lines after it never run, and it is not an "
            "Exception (a BaseException), so `except Exception` misses it. Save in `finally:`"
        )
    if not task.cancelled():
        raise Mistake(
            f"main saved ({log}) but swallowed the CancelledError and returned: on Python 3.11+ "
            "asyncio.run would then return as if the work were done, and Ctrl-C would not stop the "
            "program. Let it propagate: `finally:`, or `raise` after saving"
        )
    if log != ["started", "saved"]:
        raise Mistake(f"the log is {log}, not ['started', 'saved']: append each once, in order")
    return passed(f"main logged {log} and stayed cancelled, so asyncio.run stops the program")
