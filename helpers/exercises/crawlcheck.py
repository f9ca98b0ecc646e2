"""Watch and check a crawler from the outside, whoever wrote it (15-capstone-crawler).

`loopback_session` refuses any URL not on this machine, `RequestLog` records every request a
session sends, `server_stats` reads the slow server's own counts, and `check_crawl` compares a
crawl's result with the pages the generated site is known to have (`expected_crawl`). For the
self-checks: `FaultyConnections` breaks or stalls the requests to chosen URLs, `HeldRequests`
holds back all but chosen ones for good, `Refetches` notes a URL asked for again once answered,
`BucketRecorder` records the token buckets the learner's code made and used, `left_behind` finds
the tasks an answer left running, and `judge_attempts` and `judge_backoff` grade a fetch's
retries. (The sleeps and tasks the learner's code makes: `recorders`.)
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import time
from collections import Counter
from collections.abc import Iterable, Iterator, MutableMapping, Sequence
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any
from urllib.parse import urldefrag, urlsplit

import aiohttp

from helpers.exercises import Mistake
from helpers.lessons.crawler import RETRY_STATUSES, CrawlResult
from helpers.measure.timeline import Outcome, Record, Timeline
from helpers.server.site import site_paths

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
# what the checks of 15 and 16 share: the site's seed, how early a timer may fire, the advice
SEED = 9
EARLY = 0.02  # seconds a timer may fire early (Windows' clock ticked every 15.6 ms before 3.13)
WRITE_IT = "the exercise asks you to write it"


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

    def ahead_of(self, rate: float, burst: int) -> float:
        """The most requests that started in any stretch beyond burst + rate x its length."""
        starts = sorted(request.start for request in self.requests)
        pairs = itertools.combinations_with_replacement(range(len(starts)), 2)
        return max(
            (j - i + 1 - burst - rate * (starts[j] - starts[i]) for i, j in pairs), default=0
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


class FaultyConnections:
    """A TraceConfig that fails the requests to chosen URLs, counting each attempt.

    A `broken` URL's request raises aiohttp.ClientConnectionError before anything is sent, as a
    reset connection would. A `stalled` URL's request never gets its connection, as if nothing
    answered: only the request's own timeout (aiohttp.ClientTimeout) ends it. Neither reaches
    the server, so its counts hold only the other requests.
    """

    def __init__(self, broken: Iterable[str] = (), stalled: Iterable[str] = ()) -> None:
        self.broken, self.stalled = set(broken), set(stalled)
        self.attempts: Counter[str] = Counter()
        self.trace = aiohttp.TraceConfig()
        self.trace.on_request_start.append(self._start)
        self.trace.on_connection_create_start.append(self._connect)
        self.trace.on_connection_reuseconn.append(self._connect)

    async def _start(self, session: Any, context: SimpleNamespace, params: Any) -> None:
        url = str(params.url)
        context.stall = url in self.stalled
        if url in self.broken or url in self.stalled:
            self.attempts[url] += 1
        if url in self.broken:
            raise aiohttp.ClientConnectionError(f"connection reset while fetching {url}")

    async def _connect(self, session: Any, context: SimpleNamespace, params: Any) -> None:
        if getattr(context, "stall", False):
            await asyncio.Event().wait()  # nothing answers: the request's timeout must end it


class HeldRequests:
    """A TraceConfig that holds back every request but those to `through`, until cancelled.

    A request is held before it is sent, where its own time limit (aiohttp.ClientTimeout) does
    not reach: a crawl that meets one cannot finish, however fast the machine. `held` counts
    the requests held back.
    """

    def __init__(self, through: Iterable[str]) -> None:
        self.through = set(through)
        self.held = 0
        self.trace = aiohttp.TraceConfig()
        self.trace.on_request_start.append(self._start)

    async def _start(self, session: Any, context: SimpleNamespace, params: Any) -> None:
        if urldefrag(str(params.url)).url not in self.through:
            self.held += 1
            await asyncio.Event().wait()  # until the crawl cancels the task that sent it


class Refetches:
    """A TraceConfig that notes the first URL requested again after it was answered.

    A retry after no answer (a broken connection, a timeout) or after a server error is no
    refetch; another request for a URL answered 200 or 404 is: `again` names it, `noticed` is set.
    """

    def __init__(self) -> None:
        self.answered: set[str] = set()
        self.again: str | None = None
        self.noticed = asyncio.Event()
        self.trace = aiohttp.TraceConfig()
        self.trace.on_request_start.append(self._start)
        self.trace.on_request_end.append(self._end)

    async def _start(self, session: Any, context: SimpleNamespace, params: Any) -> None:
        url = str(params.url)
        if url in self.answered and self.again is None:
            self.again = url
            self.noticed.set()

    async def _end(self, session: Any, context: SimpleNamespace, params: Any) -> None:
        if params.response.status not in RETRY_STATUSES:
            self.answered.add(str(params.url))


def left_behind(before: AbstractSet[asyncio.Task[Any]]) -> set[asyncio.Task[Any]]:
    """Tasks started since `before` was taken (asyncio.all_tasks()) that are still running."""
    return {task for task in asyncio.all_tasks() - before if not task.done()}


class CountingBucket:
    """A token bucket that counts its acquisitions."""

    def __init__(self, bucket: Any) -> None:
        self.bucket = bucket
        self.acquired = 0

    async def acquire(self) -> None:
        """Take a token from the bucket, and count it."""
        await self.bucket.acquire()
        self.acquired += 1


class BucketRecorder:
    """Record the token buckets that code makes with the namespace's TokenBucket, and their use.

    While `installed`, the namespace's TokenBucket is a subclass that notes each bucket made and
    counts its acquisitions; buckets made some other way are not seen.
    """

    def __init__(self) -> None:
        self.made: list[Any] = []
        self.acquired: Counter[int] = Counter()  # index in made: acquisitions

    def used(self) -> list[Any]:
        """The buckets that gave at least one token."""
        return [bucket for index, bucket in enumerate(self.made) if self.acquired[index]]

    @contextmanager
    def installed(self, namespace: MutableMapping[str, Any]) -> Iterator[None]:
        """Record while the block runs; put the namespace's TokenBucket back after."""
        real = namespace.get("TokenBucket")
        if not isinstance(real, type):
            yield  # no class to stand in for: nothing to record
            return
        recorder = self

        class Recorded(real):  # type: ignore[misc, valid-type]
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                self._recorded = len(recorder.made)
                recorder.made.append(self)

            async def acquire(self) -> None:
                await super().acquire()
                recorder.acquired[self._recorded] += 1

        namespace["TokenBucket"] = Recorded
        try:
            yield
        finally:
            namespace["TokenBucket"] = real


class ProgressRecorder:
    """A progress(done, found) function that records its calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    def __call__(self, done: int, found: int) -> None:
        self.calls.append((done, found))


def judge_attempts(urls: list[str], answers: list[Any], log: RequestLog, attempts: int) -> None:
    """Each URL retried only after a retryable answer, up to `attempts`, and its last answer
    returned, with the page's text after a 200."""
    for url, (got, body) in zip(urls, answers, strict=True):
        tries = [request.answer for request in log.requests if request.url == url]
        stop = next((k for k, a in enumerate(tries) if a in (200, 404)), None)
        if stop is not None and stop < len(tries) - 1:
            raise Mistake(
                f"{url} was answered {tries[stop]} and asked again: retry only RETRY_STATUSES "
                "and requests that got no answer. A 200 is done, and a 404 will not heal"
            )
        if stop is None and len(tries) < attempts:
            raise Mistake(
                f"{url} got {tries} and no more tries: make up to `attempts` requests while the "
                "answer is a server error (RETRY_STATUSES) or no answer at all"
            )
        if not tries or got != tries[-1]:
            raise Mistake(f"{url}: its requests got {tries}, and you returned {got!r}: the last")
        if got == 200 and "<title>Site page" not in body:
            raise Mistake("after a 200, return the page's text: (200, await response.text())")
        if got != 200 and body != "":
            raise Mistake(f"{url} was answered {got!r}: return (answer, '') when it is not a 200")


def judge_backoff(waits: list[list[float]], backoff: float) -> None:
    """The k-th wait of each URL is backoff * 2 ** (k - 1) times a factor of its own in [0.5, 1]."""
    factors = [[s / (backoff * 2**k) for k, s in enumerate(mine)] for mine in waits]
    for mine in factors:
        for k, factor in enumerate(mine, start=1):
            if not 0.5 - 1e-9 <= factor <= 1 + 1e-9:
                raise Mistake(
                    f"the wait before retry {k} was {factor:.2f} x backoff * 2 ** {k - 1}: wait "
                    "backoff * 2 ** (k - 1) * random.uniform(0.5, 1) before retry k, exponential "
                    "with a floor of half (notebook 08's full jitter, from 0, has none)"
                )
    flat = [factor for mine in factors for factor in mine]
    if max(flat) - min(flat) < 1e-6:
        raise Mistake(
            f"every wait was exactly {flat[0]:.2f} x backoff * 2 ** (k - 1): no jitter. Clients "
            "that failed together then retry together: multiply by random.uniform(0.5, 1)"
        )
    firsts = [mine[0] for mine in factors]
    if max(firsts) - min(firsts) < 0.02:
        raise Mistake(
            f"the {len(firsts)} URLs retried all waited {firsts[0]:.2f} x backoff before their "
            "first retry: the same jitter for every URL, so they still retry in step. Draw a "
            "new random factor for every wait, from the shared random module"
        )
    pairs = [mine[:2] for mine in factors if len(mine) > 1]
    if pairs and all(abs(first - second) < 1e-9 for first, second in pairs):
        raise Mistake(
            f"each of the {len(pairs)} URLs retried more than once waited the same factor x "
            "backoff * 2 ** (k - 1) before every retry: one jitter per URL. Draw a new "
            "random.uniform(0.5, 1) for every wait, inside the loop"
        )
