"""Tests for helpers.exercises.crawlcheck: the loopback guard, the request log, the pages."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from helpers.exercises.crawlcheck import (
    BucketRecorder,
    FaultyConnections,
    HeldRequests,
    LoggedRequest,
    RequestLog,
    check_crawl,
    expected_crawl,
    loopback_session,
    server_stats,
)
from helpers.lessons.crawler import CrawlResult, TokenBucket
from helpers.server.process import SlowServer


def test_loopback_session_refuses_other_hosts_without_connecting():
    async def main() -> None:
        async with loopback_session() as session:
            for url in ("http://example.invalid/", "http://192.0.2.1/", "https://[2001:db8::1]/"):
                with pytest.raises(ValueError, match=r"refusing to fetch .* 127\.0\.0\.1"):
                    await session.get(url)

    asyncio.run(asyncio.wait_for(main(), 10))


def test_request_log_records_answers_and_refusals_never():
    log = RequestLog()

    async def main() -> dict:
        async with (
            SlowServer(latency=0.05, seed=1, pages=5) as server,
            loopback_session(trace_configs=[log.trace]) as session,
        ):
            for path in ("/site/0", "/site/5"):
                async with session.get(server.url + path) as response:
                    await response.read()
            with pytest.raises(ValueError):
                await session.get("http://example.invalid/")
            return await server_stats(server.url)

    stats = asyncio.run(main())
    assert [request.answer for request in log.requests] == [200, 404]
    assert all(request.end - request.start >= 0.05 for request in log.requests)
    assert stats["requests"] == 2, "server_stats has a session of its own, outside the log"
    assert log.busiest(seconds=10) == 2
    assert log.timeline(first=1).names == ["/site/0 #1: 200"]


def test_busiest_and_timeline_from_a_known_log():
    log = RequestLog()
    log.requests += [
        LoggedRequest("http://h/site/0", 0.0, 0.1, 503),
        LoggedRequest("http://h/site/0", 0.2, 0.3, 200),
        LoggedRequest("http://h/site/1", 0.25, 0.5, "CancelledError"),
        LoggedRequest("http://h/site/2", 1.2, 1.3, "ClientConnectorError"),
    ]
    assert log.busiest(seconds=1.0) == 3
    assert log.busiest(seconds=0.1) == 2
    assert RequestLog().busiest() == 0
    timeline = log.timeline(first=4)
    assert timeline.names == [
        "/site/0 #1: 503",
        "/site/0 #2: 200",
        "/site/1 #1: CancelledError",
        "/site/2 #1: ClientConnectorError",
    ]
    outcomes = [timeline.outcome(name) for name in timeline.names]
    assert outcomes == ["ok", "ok", "cancelled", "error"]


def test_ahead_of_counts_requests_beyond_a_token_buckets_line():
    log = RequestLog()
    log.requests += [LoggedRequest("u", at, at, 200) for at in (0.0, 0.0, 0.1, 0.2, 0.2, 0.2)]
    assert log.ahead_of(rate=10, burst=2) == pytest.approx(2.0)  # 0.2 allows 4, and 6 started
    assert log.ahead_of(rate=100, burst=3) <= 0


def test_faulty_connections_break_and_stall_chosen_urls_only():
    async def main() -> tuple:
        async with SlowServer(latency=0.01, seed=1, pages=5) as server:
            broken, stalled = f"{server.url}/site/1", f"{server.url}/site/2"
            faults = FaultyConnections(broken=[broken], stalled=[stalled])
            async with loopback_session(trace_configs=[faults.trace]) as session:
                async with session.get(f"{server.url}/site/0") as response:
                    status = response.status
                errors = []
                for url, timeout in ((broken, None), (stalled, 0.2)):
                    try:
                        await session.get(url, timeout=aiohttp.ClientTimeout(total=timeout))
                    except (aiohttp.ClientError, TimeoutError) as exc:
                        errors.append(type(exc).__name__)
            return errors, faults.attempts, status

    errors, attempts, status = asyncio.run(asyncio.wait_for(main(), 10))
    assert status == 200 and errors == ["ClientConnectionError", "TimeoutError"]
    assert sorted(attempts.values()) == [1, 1]


def test_held_requests_never_end_on_their_own_not_even_by_their_time_limit():
    async def main() -> tuple:
        async with SlowServer(seed=1, pages=5) as server:
            held = HeldRequests(through=[f"{server.url}/site/0"])
            async with loopback_session(trace_configs=[held.trace]) as session:
                async with session.get(f"{server.url}/site/0#top") as response:
                    status = response.status
                limit = aiohttp.ClientTimeout(total=0.1)
                waiting = asyncio.ensure_future(session.get(f"{server.url}/site/1", timeout=limit))
                done, _ = await asyncio.wait([waiting], timeout=0.5)
                waiting.cancel()
                await asyncio.gather(waiting, return_exceptions=True)
            return status, done, held.held, (await server_stats(server.url))["requests"]

    status, done, count, requests = asyncio.run(asyncio.wait_for(main(), 10))
    assert status == 200 and done == set() and count == 1
    assert requests == 1, "a held request never reaches the server"


def test_bucket_recorder_sees_the_buckets_made_and_used_and_puts_the_class_back():
    namespace = {"TokenBucket": TokenBucket}

    async def main() -> None:
        made = [namespace["TokenBucket"](1000, 2) for _ in range(3)]
        for bucket in made[:2]:
            await bucket.acquire()

    recorder = BucketRecorder()
    with recorder.installed(namespace):
        assert namespace["TokenBucket"] is not TokenBucket
        asyncio.run(main())
    assert namespace["TokenBucket"] is TokenBucket
    assert len(recorder.made) == 3 and recorder.used() == recorder.made[:2]
    assert all(isinstance(bucket, TokenBucket) for bucket in recorder.made)
    with BucketRecorder().installed({}):  # no TokenBucket to stand in for: nothing to do
        pass


def test_expected_crawl_is_the_site_from_page_0():
    expected = expected_crawl("http://127.0.0.1:1", 3, 50)
    assert expected.pages == {f"http://127.0.0.1:1/site/{n}" for n in range(50)}
    assert expected.dead and not expected.dead & expected.pages


def test_check_crawl_names_each_problem():
    base = "http://127.0.0.1:1"
    expected = expected_crawl(base, 3, 50)
    right = CrawlResult(set(expected.pages), dict.fromkeys(expected.dead, 404))
    assert check_crawl(right, expected) == []
    page, *_ = sorted(expected.pages)
    dead, *_ = sorted(expected.dead)
    wrong = CrawlResult(
        fetched=set(expected.pages - {page}) | {f"{base}/site/99"},
        failed={**dict.fromkeys(expected.dead, 404), page: 503, dead: "TimeoutError"},
        timed_out=True,
    )
    assert check_crawl(wrong, expected) == [
        "the crawl timed out",
        f"pages not fetched: 1 ({page})",
        f"fetched, but not a page of the site: 1 ({base}/site/99)",
        f"failed, but not a dead link: 1 ({page})",
        f"dead links that failed with an answer other than 404: 1 ({dead})",
    ]
