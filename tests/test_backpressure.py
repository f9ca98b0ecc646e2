"""Tests for helpers.lessons.backpressure: the pipeline's records, the toy site and toy crawls."""

import asyncio

from helpers.lessons.backpressure import ToyCrawl, pipeline, toy_crawl, toy_links


def test_a_bound_holds_the_queue_and_the_memory_flat():
    async def both():
        options = {"size": 32 * 1024, "produce": 0.001, "consume": 0.005}
        return await pipeline(20, 0, **options), await pipeline(20, 2, **options)

    unbounded, bounded = asyncio.run(both())
    assert bounded.max_depth == 2 and bounded.maxsize == 2
    assert unbounded.full_puts == 0 and bounded.full_puts >= 10
    assert unbounded.max_depth >= 6
    assert unbounded.peak_bytes > 2 * bounded.peak_bytes > 0
    times, levels = bounded.times, bounded.depths
    assert len(times) == len(levels) == 1 + 20 + 21  # the start, each put, each get (and None)
    assert times == sorted(times) and levels[-1] == 0
    assert bounded.timeline.names == ["producer", "consumer"]
    assert bounded.timeline.max_concurrency("queued") >= 1


def test_toy_links_form_a_tree_with_links_back_to_the_parent():
    assert toy_links(0, 10) == [1, 2, 3, 4]
    assert toy_links(1, 10) == [5, 6, 7, 8, 0]
    assert toy_links(2, 10) == [9, 0]
    assert toy_links(9, 10) == [2]


async def _worker(queue, crawl: ToyCrawl, *, wait: bool) -> None:
    while True:
        page = await queue.get()
        try:
            await asyncio.sleep(0.001)
            crawl.fetched.append(page)
            for link in toy_links(page, crawl.pages):
                if link not in crawl.seen:
                    crawl.seen.add(link)
                    await queue.put(link) if wait else queue.put_nowait(link)
                    crawl.note_depth(queue)
        finally:
            queue.task_done()


def test_workers_that_wait_in_put_deadlock_and_the_timeout_ends_it():
    async def run():
        before = asyncio.all_tasks()
        seen_at_timeout = []

        async def waits(queue, crawl):
            await _worker(queue, crawl, wait=True)

        def at_timeout(tasks):
            seen_at_timeout.extend((task.get_name(), task.done()) for task in tasks)

        queue = asyncio.Queue(2)
        crawl = await toy_crawl(
            waits, queue, workers=2, pages=60, timeout=0.1, at_timeout=at_timeout
        )
        return crawl, queue, seen_at_timeout, asyncio.all_tasks() - before

    crawl, queue, seen_at_timeout, left = asyncio.run(run())
    assert not crawl.finished and queue.full() and not left
    assert seen_at_timeout == [("worker 1", False), ("worker 2", False)]


def test_workers_that_never_wait_finish_the_crawl():
    async def run():
        async def never_waits(queue, crawl):
            await _worker(queue, crawl, wait=False)

        return await toy_crawl(never_waits, asyncio.Queue(), workers=2, pages=60, timeout=5.0)

    crawl = asyncio.run(run())
    assert crawl.finished and sorted(crawl.fetched) == list(range(60)) == sorted(crawl.seen)
