"""Eager tasks against scheduled ones, for tasks that finish without waiting (02-coroutines).

A task normally starts on the loop's next round: `create_task` puts its first step in the ready
queue with `loop.call_soon`. The eager task factory (Python 3.12+) runs that first step inside
`create_task` itself; a coroutine that returns without waiting (a cache hit) then finishes there,
and the loop schedules nothing for it. `run_tasks` counts what the loop was asked to schedule
(`call_soon` calls) and the CPU time spent, on a fresh loop in the calling thread.
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass
from typing import Any, Literal

Mode = Literal["default", "eager_task_factory", "eager_start"]
MODES: tuple[Mode, ...] = ("default", "eager_task_factory", "eager_start")
CACHE = {key: key * key for key in range(100_000)}


def available(mode: Mode) -> bool:
    """Whether this Python has the mode: the factory is new in 3.12, eager_start in 3.14."""
    if mode == "eager_task_factory":
        return hasattr(asyncio, "eager_task_factory")
    if mode == "eager_start":
        return sys.version_info >= (3, 14)
    return True


class CountingLoop(asyncio.SelectorEventLoop):
    """A selector event loop that counts the callbacks it is asked to schedule."""

    def __init__(self) -> None:
        super().__init__()
        self.scheduled = 0

    def call_soon(  # type: ignore[override]
        self, callback: Any, *args: Any, context: Any = None
    ) -> asyncio.Handle:
        """Count the callback, then schedule it as usual."""
        self.scheduled += 1
        return super().call_soon(callback, *args, context=context)


async def cached_square(key: int) -> int:
    """Return key squared from the cache, without waiting; compute it after a pause if missing."""
    if key in CACHE:
        return CACHE[key]
    await asyncio.sleep(0.001)
    return key * key


@dataclass(frozen=True)
class FactoryRun:
    """One run of many cache-hit tasks: the mode, the counts, and the CPU time they took."""

    mode: Mode
    tasks: int
    scheduled: int  # callbacks the loop was asked to schedule while the tasks ran
    cpu_s: float  # CPU time of the thread that created and awaited them
    body_first: bool  # the first task's body ran before create_task returned

    @property
    def cpu_us_per_task(self) -> float:
        """CPU microseconds per task."""
        return self.cpu_s / self.tasks * 1e6


async def _many(loop: CountingLoop, mode: Mode, tasks: int) -> FactoryRun:
    options: dict[str, Any] = {"eager_start": True} if mode == "eager_start" else {}
    order: list[str] = []

    async def first() -> None:
        order.append("body")

    probe = loop.create_task(first(), **options)
    order.append("create_task returned")
    await probe
    before, cpu_before = loop.scheduled, time.thread_time()
    running = [loop.create_task(cached_square(key), **options) for key in range(tasks)]
    squares = await asyncio.gather(*running)
    cpu_s = time.thread_time() - cpu_before
    if squares != [key * key for key in range(tasks)]:
        raise AssertionError("the tasks returned wrong squares")
    return FactoryRun(mode, tasks, loop.scheduled - before, cpu_s, order[0] == "body")


def run_tasks(mode: Mode, tasks: int = 5_000) -> FactoryRun:
    """Create and await `tasks` cache-hit tasks on a fresh loop in this thread; count the cost."""
    if not available(mode):
        raise RuntimeError(f"{mode} needs a newer Python than {sys.version.split()[0]}")
    loop = CountingLoop()
    if mode == "eager_task_factory":
        loop.set_task_factory(asyncio.eager_task_factory)  # type: ignore[attr-defined]
    try:
        return loop.run_until_complete(_many(loop, mode, tasks))
    finally:
        loop.close()
