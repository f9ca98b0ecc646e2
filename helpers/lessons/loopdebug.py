"""Catch the running event loop's slow-step reports from asyncio debug mode (03-event-loop).

In debug mode (`loop.set_debug(True)`) the loop times every step it runs (one callback, or one
stretch of a task between two `await`s) and logs a WARNING on the "asyncio" logger for each step
that took at least `loop.slow_callback_duration` seconds: "Executing <Task ...> took 0.501
seconds". A step that slow held up every other task. `catch_slow_steps` collects those reports
instead of letting them reach standard error, and on exit puts back the loop's debug mode and
threshold as they were on entry, whatever the block set them to.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

_SLOW_STEP = "Executing %s took %.3f seconds"  # the message asyncio's loop logs for a slow step


@dataclass(frozen=True)
class SlowStep:
    """One step the loop reported as slow: what ran, for how many seconds, and asyncio's words."""

    what: str
    seconds: float
    report: str  # the WARNING as asyncio logged it

    def __str__(self) -> str:
        return f"{self.what} held the loop for {self.seconds:.2f} s"


def _describe(handle: str) -> str:
    """Shorten asyncio's description of a task or callback to what a reader needs."""
    coroutine = re.search(r"coro=<([^\s(]+)\(", handle)
    if coroutine:
        return f"task {coroutine[1]}()"
    return re.sub(r" created at \S+", "", handle)


class _Collector(logging.Handler):
    def __init__(self, steps: list[SlowStep], others: list[str]) -> None:
        super().__init__(logging.WARNING)
        self._steps = steps
        self._others = others

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg == _SLOW_STEP and isinstance(record.args, tuple) and len(record.args) == 2:
            handle, seconds = record.args
            if isinstance(seconds, (int, float)):
                step = SlowStep(_describe(str(handle)), float(seconds), record.getMessage())
                self._steps.append(step)
                return
        self._others.append(record.getMessage())


@asynccontextmanager
async def catch_slow_steps() -> AsyncIterator[list[SlowStep]]:
    """Collect the slow steps debug mode reports in the block; then restore the loop and logger.

    Switch debug mode on inside the block. Other WARNINGs the asyncio logger emits meanwhile are
    logged again on exit, so none is lost.
    """
    loop = asyncio.get_running_loop()
    logger = logging.getLogger("asyncio")
    steps: list[SlowStep] = []
    others: list[str] = []
    collector = _Collector(steps, others)
    saved = (loop.get_debug(), loop.slow_callback_duration, logger.propagate, logger.level)
    logger.addHandler(collector)
    logger.propagate = False
    logger.setLevel(logging.WARNING)
    try:
        yield steps
    finally:
        loop.set_debug(saved[0])
        # End the current step while the collector still listens, with the block's threshold:
        # the loop times a step if it began in debug mode, and this one may have.
        await asyncio.sleep(0)
        loop.slow_callback_duration = saved[1]
        logger.removeHandler(collector)
        logger.propagate, logger.level = saved[2], saved[3]
        for message in others:
            logger.warning(message)
