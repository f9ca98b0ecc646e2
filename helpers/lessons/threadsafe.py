"""Wake a running event loop from another thread, safely or not (03-event-loop).

`wake_from_thread` runs a fresh loop in the calling thread. A task awaits a Future; a worker
thread fills it after `set_after` seconds, either by calling `future.set_result` itself (a bug:
loop methods are not thread-safe) or through `loop.call_soon_threadsafe`. The only other thing
on the loop is a timer due at `other_event_after` seconds. The loop sleeps in its selector until
something wakes it, and only call_soon_threadsafe does: it writes a byte to the loop's self-pipe.
`caught_in_debug_mode` shows what debug mode says about the unsafe call.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass

from helpers.measure.timeline import Record, Timeline

NON_THREAD_SAFE = "Non-thread-safe operation"  # how debug mode's RuntimeError begins


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
    safe: bool,
    timeline: Timeline | None = None,
    *,
    set_after: float = 0.05,
    other_event_after: float = 0.25,
) -> Wakeup:
    """Fill a Future from a worker thread, safely or not; when did its awaiting task resume?"""
    how = "loop.call_soon_threadsafe(future.set_result, ...)" if safe else "future.set_result(...)"
    return asyncio.run(_wake(safe, how, timeline, set_after, other_event_after))


async def _wake(
    safe: bool, how: str, timeline: Timeline | None, set_after: float, other_event_after: float
) -> Wakeup:
    loop = asyncio.get_running_loop()
    future: asyncio.Future[float] = loop.create_future()
    other_event = loop.call_later(other_event_after, lambda: None)  # "something else happens"
    start = time.perf_counter()
    set_at: list[float] = []

    def worker() -> None:
        time.sleep(set_after)  # the thread's own work
        set_at.append(time.perf_counter())
        if safe:
            loop.call_soon_threadsafe(future.set_result, set_at[0])
        else:
            future.set_result(set_at[0])  # the bug: a loop method called from another thread

    thread = threading.Thread(target=worker, name="worker")
    thread.start()
    try:
        await future
        resumed = time.perf_counter()
    finally:
        other_event.cancel()
        thread.join()
    if timeline is not None:
        label = "threadsafe" if safe else "unsafe"
        timeline.add(Record(f"{label}: worker thread", start, set_at[0]))
        timeline.add(Record(f"{label}: task awaiting", start, set_at[0], "waiting"))
        timeline.add(Record(f"{label}: task awaiting", set_at[0], resumed, "ready"))
    return Wakeup(how, set_at[0] - start, resumed - start, other_event_after)


def caught_in_debug_mode() -> str:
    """In debug mode, call loop.call_soon from a worker thread: the RuntimeError it raises."""
    return asyncio.run(_caught(), debug=True)


async def _caught() -> str:
    loop = asyncio.get_running_loop()
    future: asyncio.Future[str] = loop.create_future()

    def worker() -> None:
        try:
            loop.call_soon(future.set_result, "no error")  # the bug, caught by debug mode
        except RuntimeError as error:
            loop.call_soon_threadsafe(future.set_result, str(error))  # the right call

    thread = threading.Thread(target=worker, name="worker")
    thread.start()
    try:
        return await future
    finally:
        thread.join()
