"""Backpressure: a fast producer, a slow consumer, and a crawler's queue (15-capstone-crawler).

`pipeline` runs one producer and one consumer on an `asyncio.Queue` of a given `maxsize` (0: no
bound) and records the queue's depth after every put and get, how many puts found the queue
full, the memory the run allocated at its peak (tracemalloc) and a `Timeline` of both tasks.
`toy_links` and `toy_crawl` are a site without a server, for crawler workers whose fetch is a
short sleep: enough to show a crawl that deadlocks on a full queue, under a timeout.
"""

from __future__ import annotations

import asyncio
import time
import tracemalloc
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from helpers.measure.timeline import Timeline


@dataclass
class PipelineRun:
    """What one run of `pipeline` recorded."""

    maxsize: int
    times: list[float] = field(default_factory=lambda: [0.0])  # seconds since the start
    depths: list[int] = field(default_factory=lambda: [0])  # items in the queue at those times
    full_puts: int = 0  # puts that found the queue full, so the producer waited
    peak_bytes: int = 0  # the most memory allocated during the run, over what was there before
    timeline: Timeline = field(default_factory=Timeline)
    began: float = field(default_factory=time.perf_counter)

    @property
    def max_depth(self) -> int:
        """The most items the queue ever held."""
        return max(self.depths)

    def note(self, queue: asyncio.Queue[bytes | None]) -> None:
        """Record the queue's depth now."""
        self.times.append(time.perf_counter() - self.began)
        self.depths.append(queue.qsize())

    @contextmanager
    def tracing_memory(self) -> Iterator[None]:
        """Record in peak_bytes the most memory allocated inside the block (tracemalloc)."""
        tracing = tracemalloc.is_tracing()
        if not tracing:
            tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            before, _ = tracemalloc.get_traced_memory()
            yield
            self.peak_bytes = tracemalloc.get_traced_memory()[1] - before
        finally:
            if not tracing:
                tracemalloc.stop()


async def pipeline(
    items: int, maxsize: int, *, size: int, produce: float, consume: float
) -> PipelineRun:
    """A producer makes `items` objects of `size` bytes, one per `produce` s; a consumer spends
    `consume` s on each; they share an asyncio.Queue(maxsize) (0: no bound)."""
    queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize)
    run = PipelineRun(maxsize)

    async def producer() -> None:
        with run.timeline.task("producer") as span:
            for _ in range(items):
                with span.waiting():  # working: making the item
                    await asyncio.sleep(produce)
                    item = bytes(size)
                run.full_puts += queue.full()
                with span.queued():  # waiting on the queue while it is full
                    await queue.put(item)
                run.note(queue)
            with span.queued():
                await queue.put(None)  # no more items

    async def consumer() -> None:
        with run.timeline.task("consumer") as span:
            while True:
                with span.queued():  # waiting on the queue while it is empty
                    item = await queue.get()
                run.note(queue)
                if item is None:
                    return
                with span.waiting():  # working: handling the item
                    await asyncio.sleep(consume)

    with run.tracing_memory():
        await asyncio.gather(producer(), consumer())
    return run


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
    max_depth: int = 0  # the most URLs the queue held after a worker queued one
    finished: bool = False  # queue.join() returned before the timeout

    def note_depth(self, queue: asyncio.Queue[int]) -> None:
        """Remember the queue's length, to report the most it held."""
        self.max_depth = max(self.max_depth, queue.qsize())


Worker = Callable[[asyncio.Queue[int], ToyCrawl], Coroutine[object, object, None]]


async def toy_crawl(
    worker: Worker,
    queue: asyncio.Queue[int],
    *,
    workers: int,
    pages: int,
    timeout: float,
    at_timeout: Callable[[list[asyncio.Task[None]]], None] | None = None,
) -> ToyCrawl:
    """Crawl the toy site from page 0 with `workers` tasks named "worker 1"... on `queue`, for at
    most `timeout` s; at the timeout, call `at_timeout(tasks)` first. The workers are cancelled
    and awaited in every case."""
    crawl = ToyCrawl(pages)
    queue.put_nowait(0)
    tasks = [
        asyncio.create_task(worker(queue, crawl), name=f"worker {n}") for n in range(1, workers + 1)
    ]
    try:
        async with asyncio.timeout(timeout):
            await queue.join()
        crawl.finished = True
    except TimeoutError:
        if at_timeout is not None:
            at_timeout(tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return crawl
