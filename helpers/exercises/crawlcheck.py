"""Watch and check a crawler from the outside, whoever wrote it (10-capstone).

`loopback_session` refuses any URL not on this machine, `RequestLog` records every request a
session sends, `server_stats` reads the slow server's own counts, and `check_crawl` compares a
crawl's result with the pages the generated site is known to have (`expected_crawl`).
"""

from __future__ import annotations

import bisect
import time
from collections import Counter
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from helpers.lessons.crawler import CrawlResult
from helpers.measure.timeline import Outcome, Record, Timeline
from helpers.server.site import site_paths

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


async def _refuse_other_hosts(
    session: aiohttp.ClientSession,
    context: SimpleNamespace,
    params: aiohttp.TraceRequestStartParams,
) -> None:
    if params.url.host not in LOOPBACK_HOSTS:
        raise ValueError(
            f"refusing to fetch {params.url}: the course's crawlers stay on 127.0.0.1, "
            "so skip links to other hosts"
        )


def loopback_session(
    *, trace_configs: Sequence[aiohttp.TraceConfig] = (), **kwargs: Any
) -> aiohttp.ClientSession:
    """A ClientSession that raises ValueError for a URL not on this machine."""
    guard = aiohttp.TraceConfig()
    guard.on_request_start.append(_refuse_other_hosts)
    # the guard goes first: a refused request never reaches the other trace configs
    return aiohttp.ClientSession(trace_configs=[guard, *trace_configs], **kwargs)


async def server_stats(base_url: str) -> dict[str, Any]:
    """The slow server's /stats, fetched on a session of its own."""
    async with loopback_session() as session, session.get(f"{base_url}/stats") as response:
        return await response.json()


@dataclass(frozen=True)
class LoggedRequest:
    """One request: URL, start and end (time.perf_counter seconds), answer.

    The answer is the HTTP status, or the exception's name if none came ("CancelledError" for
    a request cancelled on the way). The end is when the status line and headers arrived.
    """

    url: str
    start: float
    end: float
    answer: int | str


class RequestLog:
    """Record each request of a session: ClientSession(trace_configs=[log.trace])."""

    def __init__(self) -> None:
        self.requests: list[LoggedRequest] = []
        self.trace = aiohttp.TraceConfig()
        self.trace.on_request_start.append(self._started)
        self.trace.on_request_end.append(self._answered)
        self.trace.on_request_exception.append(self._failed)

    async def _started(
        self,
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        context.start = time.perf_counter()

    async def _answered(
        self,
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        self._add(context, params.url, params.response.status)

    async def _failed(
        self,
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestExceptionParams,
    ) -> None:
        self._add(context, params.url, type(params.exception).__name__)

    def _add(self, context: SimpleNamespace, url: object, answer: int | str) -> None:
        self.requests.append(LoggedRequest(str(url), context.start, time.perf_counter(), answer))

    def busiest(self, seconds: float = 1.0) -> int:
        """Most requests that started within any `seconds`."""
        starts = sorted(request.start for request in self.requests)
        return max(
            (bisect.bisect_left(starts, start + seconds) - i for i, start in enumerate(starts)),
            default=0,
        )

    def timeline(self, first: int) -> Timeline:
        """The first `first` requests to start, one row each, as a Timeline."""
        timeline = Timeline()
        tries: Counter[str] = Counter()
        for request in sorted(self.requests, key=lambda request: request.start)[:first]:
            tries[request.url] += 1
            outcome: Outcome = "ok" if isinstance(request.answer, int) else "error"
            if request.answer == "CancelledError":
                outcome = "cancelled"
            name = f"{urlsplit(request.url).path} #{tries[request.url]}: {request.answer}"
            timeline.add(Record(name, request.start, request.end, "waiting", outcome))
        return timeline


@dataclass(frozen=True)
class ExpectedCrawl:
    """URLs a full crawl of the generated site fetches, and those it finds dead."""

    pages: frozenset[str]
    dead: frozenset[str]


def expected_crawl(base_url: str, seed: int, pages: int) -> ExpectedCrawl:
    """What a crawl of the server at base_url must find from /site/0."""
    found, dead = site_paths(seed, pages)
    return ExpectedCrawl(
        frozenset(base_url + path for path in found), frozenset(base_url + path for path in dead)
    )


def _some(urls: AbstractSet[str]) -> str:
    shown = ", ".join(sorted(urls)[:3])
    return f"{len(urls)} ({shown}{', ...' if len(urls) > 3 else ''})"


def check_crawl(result: CrawlResult, expected: ExpectedCrawl) -> list[str]:
    """What is wrong with a crawl's result, one line each; [] when it is right."""
    failed = set(result.failed)
    not_404 = {url for url in expected.dead & failed if str(result.failed[url]) != "404"}
    checks = [
        ("pages not fetched", expected.pages - result.fetched),
        ("fetched, but not a page of the site", result.fetched - expected.pages),
        ("dead links missing from failed", expected.dead - failed),
        ("failed, but not a dead link", failed - expected.dead),
        ("dead links that failed with an answer other than 404", not_404),
    ]
    problems = [f"{what}: {_some(urls)}" for what, urls in checks if urls]
    return ["the crawl timed out", *problems] if result.timed_out else problems
