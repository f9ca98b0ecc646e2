"""Eager tasks against scheduled ones, for tasks that finish without waiting (05-tasks-and-gather).

A task normally starts on the loop's next turn: `create_task` puts its first step in the ready
queue with `loop.call_soon`. An eager task runs that first step inside `create_task` itself; a
coroutine that returns without waiting (a cache hit) then finishes there, and the loop schedules
nothing for it. Two ways to ask: the eager task factory (Python 3.12+) for every task of a loop,
or `eager_start=True` for one task (`loop.create_task` passes it on to `Task` since 3.13.3,
`asyncio.create_task` and `TaskGroup.create_task` take it since 3.14). `run_tasks` counts what
the loop was asked to schedule (`call_soon` calls) and the CPU time spent, on a fresh loop in the
calling thread.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Literal

Mode = Literal["default", "eager_task_factory", "eager_start"]
MODES: tuple[Mode, ...] = ("default", "eager_task_factory", "eager_start")
SINCE: dict[Mode, tuple[int, ...]] = {
    "default": (3, 11),
    "eager_task_factory": (3, 12),
    "eager_start": (3, 13, 3),  # through loop.create_task; asyncio.create_task from 3.14
}


def available(mode: Mode) -> bool:
    """Whether this Python has the mode (SINCE says from which version)."""
    return sys.version_info >= SINCE[mode]


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


@dataclass(frozen=True)
class FactoryRun:
    """One run of many tasks: the mode, the counts, and the CPU time they took."""

    mode: Mode
    tasks: int
    scheduled: int  # callbacks the loop was asked to schedule while the tasks ran
    cpu_s: float  # CPU time of the thread that created and awaited them
    done_at_once: bool  # the first task had finished when create_task returned

    @property
    def cpu_us_per_task(self) -> float:
        """CPU microseconds per task."""
        return self.cpu_s / self.tasks * 1e6


def run_tasks(
    coroutine_function: Callable[[int], Coroutine[Any, Any, Any]],
    mode: Mode,
    tasks: int = 5_000,
) -> FactoryRun:
    """Create a task of coroutine_function(key) per key, gather them on a fresh loop; the cost."""
    if not available(mode):
        version = ".".join(map(str, SINCE[mode]))
        raise RuntimeError(f"{mode} needs Python {version}+, this is {sys.version.split()[0]}")
    loop = CountingLoop()
    if mode == "eager_task_factory":
        loop.set_task_factory(asyncio.eager_task_factory)  # type: ignore[attr-defined]
    eager: dict[str, Any] = {"eager_start": True} if mode == "eager_start" else {}

    async def create_and_gather() -> FactoryRun:
        before, cpu_before = loop.scheduled, time.thread_time()
        first = loop.create_task(coroutine_function(0), **eager)
        done_at_once = first.done()  # True only if the task ran inside create_task
        rest = [loop.create_task(coroutine_function(key), **eager) for key in range(1, tasks)]
        await asyncio.gather(first, *rest)
        cpu_s = time.thread_time() - cpu_before
        return FactoryRun(mode, tasks, loop.scheduled - before, cpu_s, done_at_once)

    try:
        return loop.run_until_complete(create_and_gather())
    finally:
        loop.close()
