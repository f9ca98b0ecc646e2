"""Fill an event loop's Future from another thread, safely or not (04-loop-and-threads).

The notebook writes the one line that differs, as a function `fill(loop, future)`:
`future.set_result(...)` (a bug: asyncio's objects are not thread-safe) or
`loop.call_soon_threadsafe(future.set_result, ...)`. `wake_from_thread` runs a fresh loop in
the calling thread: a task awaits the Future, and a worker thread does its own work for
`set_after` seconds, then calls `fill`. The only other thing on the loop is a timer due at
`other_event_after` seconds. The loop sleeps in its selector until something wakes it;
call_soon_threadsafe does, by writing a byte to a socket the selector watches.
`caught_in_debug_mode` calls `fill` from a worker thread on a loop in debug mode.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from helpers.measure.timeline import Record, Timeline

NON_THREAD_SAFE = "Non-thread-safe operation"  # how debug mode's RuntimeError begins
Fill = Callable[[asyncio.AbstractEventLoop, "asyncio.Future[Any]"], None]


@dataclass(frozen=True)
class Wakeup:
    """When the worker filled the Future and when its task resumed, in seconds from the start."""

    how: str
    set_at: float
    resumed_at: float
    other_event_at: float

    @property
    def delay(self) -> float:
        """Seconds from the worker's call to the task's resumption."""
        return self.resumed_at - self.set_at


def wake_from_thread(
    fill: Fill,
    how: str,
    timeline: Timeline | None = None,
    *,
    set_after: float = 0.05,
    other_event_after: float = 0.25,
) -> Wakeup:
    """A worker thread calls fill(loop, future) after set_after s: when did the task resume?

    `how` names the way the Future is filled, on the chart's rows and in the Wakeup.
    """
    return asyncio.run(_wake(fill, how, timeline, set_after, other_event_after))


async def _wake(
    fill: Fill, how: str, timeline: Timeline | None, set_after: float, other_event_after: float
) -> Wakeup:
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()
    other_event = loop.call_later(other_event_after, lambda: None)  # "something else happens"
    start = time.perf_counter()
    set_at: list[float] = []

    def worker() -> None:
        time.sleep(set_after)  # the thread's own work
        set_at.append(time.perf_counter())
        fill(loop, future)

    thread = threading.Thread(target=worker, name="worker")
    thread.start()
    try:
        await future
        resumed = time.perf_counter()
    finally:
        other_event.cancel()
        thread.join()
    if timeline is not None:
        timeline.add(Record(f"{how}: worker thread", start, set_at[0]))
        timeline.add(Record(f"{how}: task awaiting", start, set_at[0], "waiting"))
        timeline.add(Record(f"{how}: task awaiting", set_at[0], resumed, "ready"))
    return Wakeup(how, set_at[0] - start, resumed - start, other_event_after)


def caught_in_debug_mode(fill: Fill) -> str:
    """Call fill(loop, future) from a worker thread, in debug mode: the error it raises, if any."""
    return asyncio.run(_caught(fill), debug=True)


async def _caught(fill: Fill) -> str:
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()
    future.add_done_callback(lambda _: None)  # filling it schedules this: as for a waiting task
    report: asyncio.Future[str] = loop.create_future()

    def worker() -> None:
        try:
            fill(loop, future)
        except RuntimeError as error:
            loop.call_soon_threadsafe(report.set_result, f"RuntimeError: {error}")
        else:
            loop.call_soon_threadsafe(report.set_result, "no error")

    thread = threading.Thread(target=worker, name="worker")
    thread.start()
    try:
        return await report
    finally:
        thread.join()
