"""Tests for helpers.lessons.crawler against a real slow server: every page once, on time."""

from __future__ import annotations

import asyncio
import itertools
import socket
from collections import defaultdict
from dataclasses import dataclass

import aiohttp
import pytest

from helpers.exercises.crawlcheck import (
    ExpectedCrawl,
    LoggedRequest,
    RequestLog,
    check_crawl,
    expected_crawl,
    loopback_session,
    server_stats,
)
from helpers.lessons.crawler import (
    CRAWL_BURST,
    QUEUE_SHUT_DOWN,
    RETRY_STATUSES,
    CrawlResult,
    TokenBucket,
    crawl,
    end_workers,
    fetch_with_retries,
    finish,
    page_links,
)
from helpers.server.process import SlowServer


def test_page_links_resolve_drop_fragments_and_stay_on_the_host():
    html = (
        '<a href="/site/1">one</a> <a href="2">two</a> <a href="/site/3#links">three</a>'
        '<a href="http://example.invalid/site/4">away</a> <a href="mailto:a@b.c">mail</a>'
        '<a name="top">no href</a> <link href="/style.css"> <a href="/site/1">again</a>'
        '<a href="http://127.0.0.1:9/site/5">other port</a>'
    )
    base = "http://127.0.0.1:8000"
    assert page_links(html, f"{base}/site/0") == {f"{base}/site/{n}" for n in (1, 2, 3)}
    assert page_links("<p>no links</p>", f"{base}/site/0") == set()


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [({"rate": 0}, "rate"), ({"rate": "9"}, "rate"), ({"rate": 1, "burst": 0}, "burst")],
)
def test_token_bucket_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        TokenBucket(**kwargs)


def test_token_bucket_spaces_acquisitions():
    async def times(rate: float, burst: int, count: int) -> list[float]:
        bucket = TokenBucket(rate, burst)
        loop = asyncio.get_running_loop()
        start = loop.time()

        async def take() -> float:
            await bucket.acquire()
            return loop.time() - start

        return sorted(await asyncio.gather(*(take() for _ in range(count))))

    spaced = asyncio.run(times(rate=50, burst=1, count=11))
    assert spaced[0] < 0.05, "the first token is there at once"
    assert spaced[-1] >= 10 / 50 - 0.01, "then one every 1/rate seconds"
    bursty = asyncio.run(times(rate=10, burst=5, count=6))
    assert bursty[4] < 0.05 and bursty[5] >= 0.09, "a burst of 5 at once, then 1/rate later"


def _by_url(requests: list[LoggedRequest]) -> dict[str, list[LoggedRequest]]:
    tries = defaultdict(list)
    for request in sorted(requests, key=lambda request: request.start):
        tries[request.url].append(request)
    return tries


def _no_other_tasks() -> bool:
    return asyncio.all_tasks() == {asyncio.current_task()}


@dataclass
class Crawled:
    result: CrawlResult
    log: RequestLog
    stats: dict
    expected: ExpectedCrawl


def crawl_site(server: SlowServer, **kwargs) -> Crawled:
    """Crawl the server's site from /site/0, logging requests; then read the server's stats."""

    async def main() -> Crawled:
        log = RequestLog()
        async with server, loopback_session(trace_configs=[log.trace]) as session:
            result = await crawl(session, f"{server.url}/site/0", **kwargs)
            assert _no_other_tasks(), "the crawl left a task behind"
            await asyncio.sleep(0.3)  # let the server finish any request the crawl abandoned
            stats = await server_stats(server.url)
            assert server.config.seed is not None, "the crawls are seeded"
            expected = expected_crawl(server.url, server.config.seed, server.config.pages)
            return Crawled(result, log, stats, expected)

    return asyncio.run(main())


def test_crawl_fetches_every_page_once_and_matches_the_server():
    server = SlowServer(latency=0.01, jitter=0.02, error_rate=0.2, seed=5, pages=120)
    crawled = crawl_site(server, workers=5, rate=500)
    result, requests, stats = crawled.result, crawled.log.requests, crawled.stats
    assert check_crawl(result, crawled.expected) == []
    assert result.found == crawled.expected.pages | crawled.expected.dead
    assert set(result.failed.values()) == {404}
    for tries in _by_url(requests).values():
        assert all(r.answer in RETRY_STATUSES for r in tries[:-1]), "only errors are retried"
        assert tries[-1].answer in (200, 404)
    retries = len(requests) - len(result.found)
    assert retries > 0, "seed 5 injects errors to retry"
    assert (stats["requests"], stats["errors"]) == (len(requests), retries)
    assert 1 < stats["max_in_flight"] <= 5, "never more requests in flight than workers"


def test_crawl_respects_the_rate_limit():
    rate = 40
    crawled = crawl_site(SlowServer(seed=1, pages=30), workers=8, rate=rate)
    requests = len(crawled.log.requests)
    assert requests > rate / 2
    assert crawled.result.elapsed >= (requests - CRAWL_BURST) / rate
    assert crawled.log.busiest(seconds=1.0) <= rate + CRAWL_BURST


def test_crawl_backs_off_exponentially_before_retrying():
    backoff = 0.1
    server = SlowServer(error_rate=0.5, seed=2, pages=15)
    crawled = crawl_site(server, rate=1000, attempts=6, backoff=backoff)
    retried = [tries for tries in _by_url(crawled.log.requests).values() if len(tries) > 2]
    assert retried, "seed 2 fails some URL twice in a row"
    for tries in retried:
        for number, (before, after) in enumerate(itertools.pairwise(tries), start=1):
            assert after.start - before.end >= 0.5 * backoff * 2 ** (number - 1)


def test_global_timeout_returns_a_partial_result_and_cancels_cleanly():
    crawled = crawl_site(SlowServer(latency=0.2, seed=4, pages=100), workers=4, timeout=0.5)
    result, requests = crawled.result, crawled.log.requests
    assert result.timed_out
    assert 0.5 <= result.elapsed < 2.0
    assert 0 < len(result.fetched) < 100
    assert result.fetched <= crawled.expected.pages
    cancelled = [r for r in requests if r.answer == "CancelledError"]
    assert 1 <= len(cancelled) <= 4, "the requests in flight at the deadline were cancelled"
    assert len(requests) - len(cancelled) <= crawled.stats["requests"] <= len(requests)
    assert "timed out" in result.report()
    assert check_crawl(result, crawled.expected)[0] == "the crawl timed out"


def test_an_error_in_a_worker_is_raised_not_hung():
    def progress(done: int, found: int) -> None:
        raise RuntimeError("progress display broke")

    with pytest.raises(RuntimeError, match="progress display broke"):
        crawl_site(SlowServer(seed=1, pages=10), progress=progress)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"workers": 0}, "workers"),
        ({"attempts": 0}, "attempts"),
        ({"rate": -1}, "rate"),
        ({"backoff": -0.1}, "backoff"),
        ({"timeout": float("nan")}, "timeout"),
    ],
)
def test_crawl_bad_arguments(kwargs, name):
    async def main() -> None:
        async with loopback_session() as session:
            await crawl(session, "http://127.0.0.1:9/site/0", **kwargs)

    with pytest.raises(ValueError, match=name):
        asyncio.run(main())


def test_fetch_with_retries_gives_up_and_names_the_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}/"  # bound, not listening: refused

        async def main() -> tuple[int | str, str]:
            async with loopback_session() as session:
                bucket = TokenBucket(1000)
                return await fetch_with_retries(session, closed, bucket, attempts=2, backoff=0)

        assert asyncio.run(main()) == ("ClientConnectorError", "")


def test_report():
    result = CrawlResult(
        fetched={"http://h/site/0"},
        failed={"http://h/site/8": 404, "http://h/site/9": 404},
        elapsed=1.5,
        found={"http://h/site/0", "http://h/site/8", "http://h/site/9", "http://h/site/3"},
    )
    assert result.report() == "fetched 1 pages, 2 failed (404: 2) in 1.50 s"
    result.timed_out = True
    assert result.report().endswith("; timed out with 1 URLs found but not finished")


def test_a_worker_survives_broken_connections():
    """Every dead link's connection breaks: each is reported by name, and the crawl finishes."""
    server = SlowServer(seed=3, pages=40)

    async def break_dead_links(session, context, params) -> None:
        if int(params.url.path.rsplit("/", 1)[1]) >= 40:
            raise aiohttp.ClientConnectionError("connection reset")

    async def main() -> tuple[CrawlResult, ExpectedCrawl]:
        broken = aiohttp.TraceConfig()
        broken.on_request_start.append(break_dead_links)
        async with server, loopback_session(trace_configs=[broken]) as session:
            result = await crawl(session, f"{server.url}/site/0", workers=2, rate=1000, attempts=2)
            return result, expected_crawl(server.url, 3, 40)

    result, expected = asyncio.run(main())
    assert expected.dead, "seed 3 has dead links to break"
    assert result.fetched == expected.pages
    assert result.failed == dict.fromkeys(expected.dead, "ClientConnectionError")


def test_finish_raises_when_every_worker_dies_without_a_deadline():
    async def crash(queue: asyncio.Queue) -> None:
        await queue.get()
        raise RuntimeError("worker crashed")

    async def main() -> None:
        queue: asyncio.Queue[str] = asyncio.Queue()
        for item in range(4):
            queue.put_nowait(f"/site/{item}")
        workers = [asyncio.create_task(crash(queue)) for _ in range(2)]
        await asyncio.wait_for(finish(queue, workers, timeout=None), 5)

    with pytest.raises(RuntimeError, match="worker crashed"):
        asyncio.run(main())


@pytest.mark.parametrize("shutdown", [True, False])
def test_end_workers_ends_workers_waiting_in_get(monkeypatch, shutdown):
    if shutdown and not hasattr(asyncio.Queue, "shutdown"):
        pytest.skip("Queue.shutdown() is new in Python 3.13")
    if not shutdown:  # the path of Python 3.11 and 3.12: cancel the workers
        monkeypatch.delattr(asyncio.Queue, "shutdown", raising=False)

    async def run():
        queue, handled = asyncio.Queue(), []

        async def worker():
            while True:
                try:
                    item = await queue.get()
                except QUEUE_SHUT_DOWN:
                    return
                handled.append(item)
                queue.task_done()

        for item in range(5):
            queue.put_nowait(item)
        workers = [asyncio.create_task(worker()) for _ in range(2)]
        await queue.join()
        end_workers(queue, workers)
        results = await asyncio.wait_for(asyncio.gather(*workers, return_exceptions=True), 1.0)
        return handled, results, workers

    handled, results, workers = asyncio.run(run())
    assert sorted(handled) == list(range(5))
    if shutdown:  # each worker caught QueueShutDown and returned
        assert results == [None, None] and not any(task.cancelled() for task in workers)
    else:
        assert all(task.cancelled() for task in workers)
