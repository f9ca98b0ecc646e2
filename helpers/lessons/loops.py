"""Event loops: how responsive one stays, and how fast each kind runs (12-beyond-one-machine).

A heartbeat coroutine ticks at a steady interval and notes when each tick happened: while the
loop is free the ticks stay on time, while something blocks it they stop. The loop benchmarks
run on a fresh loop of a chosen kind (asyncio's own, or uvloop's) in a thread of their own,
because a Jupyter kernel's loop is already running in the main thread and cannot be replaced.
They report the processor time of that thread, which a busy machine cannot inflate by pausing it.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

from helpers.measure.timeline import Record, Timeline
from helpers.measure.timing import Timing, in_rounds

T = TypeVar("T")
LoopFactory = Callable[[], asyncio.AbstractEventLoop]
TICK_WIDTH = 0.01  # seconds: how wide a tick is drawn on a Timeline


async def heartbeat(
    stop: asyncio.Event, interval: float = 0.05, timeline: Timeline | None = None
) -> list[float]:
    """Tick every interval seconds until stop is set; return the gaps.

    Each tick is drawn on timeline, if given, as a short bar in the row "heartbeat".
    """
    if interval <= 0:
        raise ValueError(f"interval must be positive, got {interval}")
    ticks: list[float] = []
    while True:
        ticks.append(time.perf_counter())
        if timeline is not None:
            now = time.time()
            timeline.add(Record("heartbeat", now, now + TICK_WIDTH))
        if stop.is_set():
            break
        await asyncio.sleep(interval)
    return [later - earlier for earlier, later in itertools.pairwise(ticks)]


def loop_factories() -> dict[str, LoopFactory]:
    """asyncio's default event loop, and uvloop's where it is installed."""
    factories: dict[str, LoopFactory] = {"asyncio": asyncio.new_event_loop}
    try:
        import uvloop
    except ImportError:  # not on Windows, or not installed
        return factories
    factories["uvloop"] = uvloop.new_event_loop
    return factories


def run_on_new_loop(factory: LoopFactory, make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run make() on a new loop from factory, in a thread of its own."""

    def run() -> T:
        loop = factory()
        try:
            return loop.run_until_complete(make())
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(run).result()


async def echo_round_trips(count: int, size: int = 100) -> float:
    """Processor seconds of this thread for count request-reply round trips with an echo server.

    The server and the client run on the running loop and talk over TCP on 127.0.0.1; each
    message of size bytes is sent only after the previous reply has arrived.
    """
    if count < 1 or size < 1:
        raise ValueError(f"count and size must be at least 1, got count={count}, size={size}")

    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()
            await writer.wait_closed()

    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    try:
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        message = b"x" * size
        start = time.thread_time()
        for _ in range(count):
            writer.write(message)
            await reader.readexactly(size)
        elapsed = time.thread_time() - start
        writer.close()
        await writer.wait_closed()
    finally:
        server.close()
        await server.wait_closed()
    return elapsed


async def task_churn(count: int) -> float:
    """Processor seconds of this thread to gather count new tasks that each yield once."""
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count}")
    start = time.thread_time()
    await asyncio.gather(*(asyncio.sleep(0) for _ in range(count)))
    return time.thread_time() - start


def time_loops(
    make: Callable[[], Coroutine[Any, Any, float]], repeats: int = 9
) -> dict[str, Timing]:
    """The seconds make() reports on each kind of loop, timed in rounds.

    Each round runs make() once on a new loop of every kind, so that a change in the machine's
    load falls on every kind alike. The garbage collector is paused meanwhile, as timeit does:
    a collection walks all of the program's objects, and would land on one run at random.
    """
    factories = loop_factories()
    collecting = gc.isenabled()
    gc.disable()
    try:
        runs = in_rounds(
            {name: partial(run_on_new_loop, f, make) for name, f in factories.items()}, repeats
        )
    finally:
        if collecting:
            gc.enable()
    return {name: Timing(tuple(seconds)) for name, seconds in runs.items()}
