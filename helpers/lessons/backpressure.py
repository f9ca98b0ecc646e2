"""Backpressure: a fast producer, a slow consumer, and a crawler's queue (10-capstone).

`pipeline` runs one producer and one consumer on an `asyncio.Queue` of a given `maxsize` (0: no
bound) and records the queue's depth after every put and get, how many puts found the queue
full, the memory the items held at the peak (tracemalloc) and a `Timeline` of both tasks.
`toy_links` and `toy_crawl` are a site without a server, for crawler workers whose fetch is a
short sleep: enough to show a crawl that deadlocks on a full queue, under a timeout.
"""

from __future__ import annotations

import asyncio
import time
import tracemalloc
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field

from helpers.measure.timeline import Timeline


@dataclass
class PipelineRun:
    """What one run of `pipeline` recorded."""

    maxsize: int
    depths: tuple[list[float], list[int]]  # (seconds since the start, items in the queue)
    full_puts: int  # puts that found the queue full, so the producer waited
    peak_bytes: int  # the most memory allocated during the run, over what was there before
    timeline: Timeline

    @property
    def max_depth(self) -> int:
        """The most items the queue ever held."""
        return max(self.depths[1])


async def pipeline(
    items: int, maxsize: int, *, size: int, produce: float, consume: float
) -> PipelineRun:
    """A producer makes `items` bytes objects of `size`, one per `produce` s; a consumer
    takes `consume` s over each; both share an asyncio.Queue(maxsize)."""
    queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize)
    timeline = Timeline()
    began = time.perf_counter()
    times: list[float] = [0.0]
    levels: list[int] = [0]
    full_puts = 0

    def note() -> None:
        times.append(time.perf_counter() - began)
        levels.append(queue.qsize())

    async def producer() -> None:
        nonlocal full_puts
        with timeline.task("producer") as span:
            for _ in range(items):
                with span.waiting():
                    await asyncio.sleep(produce)  # making the item
                item = bytes(size)
                full_puts += queue.full()
                with span.queued():
                    await queue.put(item)  # waits while the queue is full
                note()
                del item
            with span.queued():
                await queue.put(None)  # no more items

    async def consumer() -> None:
        with timeline.task("consumer") as span:
            while True:
                with span.queued():
                    item = await queue.get()  # waits while the queue is empty
                note()
                if item is None:
                    return
                with span.waiting():
                    await asyncio.sleep(consume)  # handling the item
                del item

    tracing = tracemalloc.is_tracing()
    if not tracing:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        await asyncio.gather(producer(), consumer())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        if not tracing:
            tracemalloc.stop()
    return PipelineRun(maxsize, (times, levels), full_puts, peak - before, timeline)


def toy_links(page: int, pages: int, fanout: int = 4) -> list[int]:
    """The pages that `page` links to in a toy site of `pages`: its children, and its parent."""
    children = [page * fanout + k for k in range(1, fanout + 1) if page * fanout + k < pages]
    return children + ([(page - 1) // fanout] if page else [])


@dataclass
class ToyCrawl:
    """A crawl of the toy site: what its workers share, and what a run found."""

    pages: int
    seen: set[int] = field(default_factory=lambda: {0})
    fetched: list[int] = field(default_factory=list)
    in_put: int = 0  # workers waiting in `await queue.put(...)` at this moment
    max_depth: int = 0  # the most URLs the queue held after a worker queued one
    finished: bool = False  # queue.join() returned before the timeout
    stuck: tuple[int, int] | None = None  # at the timeout: (workers in put, URLs in the queue)

    def note_depth(self, queue: asyncio.Queue[int]) -> None:
        """Remember the queue's length, to report the most it held."""
        self.max_depth = max(self.max_depth, queue.qsize())


Worker = Callable[[asyncio.Queue[int], ToyCrawl], Coroutine[object, object, None]]


async def toy_crawl(
    worker: Worker, queue: asyncio.Queue[int], *, workers: int, pages: int, timeout: float
) -> ToyCrawl:
    """Crawl the toy site from page 0 with `workers` of `worker` on `queue`, for at most
    `timeout` s; the workers are cancelled and awaited in every case."""
    crawl = ToyCrawl(pages)
    queue.put_nowait(0)
    tasks = [asyncio.create_task(worker(queue, crawl)) for _ in range(workers)]
    try:
        await asyncio.wait_for(queue.join(), timeout)
        crawl.finished = True
    except TimeoutError:  # the builtin TimeoutError from Python 3.11 on
        crawl.stuck = (crawl.in_put, queue.qsize())
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return crawl
