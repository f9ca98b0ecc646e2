"""Self-checks for 02-coroutines: awaiting every step; a coroutine's result in a plain function."""

from __future__ import annotations

import asyncio
import gc
import inspect
import warnings
from typing import Any

from helpers.exercises import Mistake, answer, passed
from helpers.measure.timeline import Timeline

BREW_S = 0.3  # brew_tea's two steps, 0.1 s and 0.2 s


async def check_brew_tea(namespace: dict[str, Any]) -> bool:
    """02-coroutines, exercise 1: every sleep awaited, and two brews wait side by side."""
    brew_tea = answer(namespace, "brew_tea", "async def brew_tea()")
    if brew_tea is None:
        return False
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


async def check_run_elsewhere(namespace: dict[str, Any]) -> bool:
    """02-coroutines, exercise 2: a plain function gets a coroutine's result inside the kernel."""
    run_elsewhere = answer(namespace, "run_elsewhere", "run_elsewhere(coroutine)")
    if run_elsewhere is None:
        return False

    async def forty_two() -> int:
        await asyncio.sleep(0.01)
        return 42

    coroutine = forty_two()
    try:
        result = run_elsewhere(coroutine)  # called as a plain function, with a loop running here
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
