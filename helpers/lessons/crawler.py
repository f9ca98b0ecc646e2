"""A polite concurrent crawler for the slow server's generated site (10-capstone).

`crawl` starts from one URL and follows the links it finds to the same host, never fetching a
URL twice. `workers` tasks take URLs from one queue, so at most that many requests are in
flight; a `TokenBucket` holds the requests to `rate` a second; server errors (500, 502, 503,
504), timeouts and broken connections are retried with exponential backoff and jitter; a global
`timeout` stops the crawl, cancels its workers and returns what was found so far. The workers'
queue is a `CrawlQueue`: bounded, yet a worker never waits to queue a link, so the workers, who
are its only consumers, can never all wait on a full queue.

It is built from the pieces that notebook 10's exercises ask for, in their order: `page_links`,
`CrawlQueue`, `TokenBucket`, `fetch_with_retries`, `finish`, `crawl_worker` and `crawl`. The
notebook's sections that show a whole crawl use this one, so that they run before the exercises
are done.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import aiohttp

RETRY_STATUSES = frozenset({500, 502, 503, 504})  # worth another try: the server may recover
# asyncio.sleep mostly wakes late (early by at most the clock's resolution); a bucket of one token
# loses that time and falls short of its rate, while a bucket of two banks it, at the price of two
# requests at once after a pause
CRAWL_BURST = 2

Progress = Callable[[int, int], None]


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs += [value for name, value in attrs if name == "href" and value]


def page_links(html: str, page_url: str) -> set[str]:
    """Absolute URLs, fragments dropped, of html's links to page_url's own host."""
    parser = _LinkParser()
    parser.feed(html)
    parser.close()
    origin = urlsplit(page_url)[:2]  # scheme and host:port
    links = {urldefrag(urljoin(page_url, href)).url for href in parser.hrefs}
    return {link for link in links if urlsplit(link)[:2] == origin}


class CrawlQueue(asyncio.Queue[str]):
    """A bounded queue whose put never waits: what does not fit waits in `frontier`.

    A crawler's workers both take URLs and queue the links they find. On a plain bounded queue a
    worker that queues a link waits while the queue is full, and when every worker waits so,
    nobody is left to take one: a deadlock. Here a link that finds the queue full joins the
    unbounded `frontier` (a deque) instead, and moves into the queue as room appears. The
    seen-set holds every URL anyway, so the frontier costs no more memory than the crawl must
    spend.
    """

    def __init__(self, maxsize: int) -> None:
        _check_count("maxsize", maxsize, 1)
        super().__init__(maxsize)
        self.frontier: deque[str] = deque()

    def put_nowait(self, item: str) -> None:
        """Queue item, or keep it in the frontier while the queue is full: never QueueFull."""
        self.frontier.append(item)
        self._refill()

    async def put(self, item: str) -> None:
        """The same as put_nowait: a worker never waits to queue a link."""
        self.put_nowait(item)

    def task_done(self) -> None:
        """Move frontier items into the queue, then count one item done.

        In that order: join() returns when the count reaches zero, and it must not while the
        frontier still holds URLs.
        """
        self._refill()
        super().task_done()

    def _refill(self) -> None:
        while self.frontier and not self.full():
            super().put_nowait(self.frontier.popleft())


class TokenBucket:
    """Allow `rate` acquisitions a second on average and `burst` at most at once."""

    def __init__(self, rate: float, burst: int = 1) -> None:
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 < rate < math.inf:
            raise ValueError(f"rate must be a number of acquisitions a second > 0, got {rate!r}")
        if isinstance(burst, bool) or not isinstance(burst, int) or burst < 1:
            raise ValueError(f"burst must be an int of at least 1, got {burst!r}")
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._updated = time.monotonic()
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    async def acquire(self) -> None:
        """Wait for a token and take it; waiters are served in order of arrival."""
        async with self._lock:  # the lock queues waiters first come, first served
            self._refill()
            if self._tokens < 1:
                await asyncio.sleep((1 - self._tokens) / self.rate)
                self._refill()
            self._tokens -= 1


def _check_count(name: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an int of at least {minimum}, got {value!r}")


def _check_seconds(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < math.inf:
        raise ValueError(f"{name} must be a number of seconds >= 0, got {value!r}")


async def fetch_with_retries(
    session: aiohttp.ClientSession,
    url: str,
    bucket: TokenBucket,
    attempts: int = 4,
    backoff: float = 0.05,
) -> tuple[int | str, str]:
    """GET url, retrying server errors and lost answers: (answer, body).

    The answer is the last HTTP status, or the exception's name if no answer came; the body is
    the page's text after a 200, else "". Each request first takes a token from bucket; retry k
    waits backoff * 2 ** (k - 1) seconds first, times a random factor from 0.5 to 1.
    """
    _check_count("attempts", attempts, 1)
    for attempt in range(attempts):
        if attempt:  # exponential backoff, with jitter so that retries do not march in step
            await asyncio.sleep(backoff * 2 ** (attempt - 1) * random.uniform(0.5, 1))
        await bucket.acquire()
        try:
            async with session.get(url, allow_redirects=False) as response:
                answer: int | str = response.status
                body = await response.text() if response.status == 200 else ""
        except (TimeoutError, aiohttp.ClientError) as exc:
            answer, body = type(exc).__name__, ""
        if isinstance(answer, int) and answer not in RETRY_STATUSES:
            break  # a 200 is done, and a 404 will not heal
    return answer, body


@dataclass
class CrawlResult:
    """What a crawl fetched, what failed and why, and how long it took.

    `failed` maps a URL to its last HTTP status, or to the exception's name if no answer came;
    `found` holds every URL the crawl queued, finished or not.
    """

    fetched: set[str] = field(default_factory=set)
    failed: dict[str, int | str] = field(default_factory=dict)
    elapsed: float = 0.0
    timed_out: bool = False
    found: set[str] = field(default_factory=set)

    def report(self) -> str:
        """One line: pages fetched, how many failed and why, seconds taken."""
        reasons = Counter(str(reason) for reason in self.failed.values())
        why = ", ".join(f"{reason}: {count}" for reason, count in sorted(reasons.items()))
        line = (
            f"fetched {len(self.fetched)} pages, {len(self.failed)} failed ({why or 'none'}) "
            f"in {self.elapsed:.2f} s"
        )
        if self.timed_out:
            unfinished = self.found - self.fetched - set(self.failed)
            line += f"; timed out with {len(unfinished)} URLs found but not finished"
        return line


async def crawl_worker(
    session: aiohttp.ClientSession,
    queue: asyncio.Queue[str],
    bucket: TokenBucket,
    result: CrawlResult,
    attempts: int = 4,
    backoff: float = 0.05,
    progress: Progress | None = None,
) -> None:
    """Take URLs from queue forever: fetch, record in result, queue new links.

    result.found is the seen-set: a link is added to it when it is queued, so no URL is queued
    twice. fetch_with_retries turns a failed request (an aiohttp.ClientError, a timeout) into an
    answer, so a worker survives it; task_done() in a finally keeps queue.join() honest.
    """
    while True:
        url = await queue.get()
        try:
            answer, body = await fetch_with_retries(session, url, bucket, attempts, backoff)
            if answer == 200:
                result.fetched.add(url)
                for link in sorted(page_links(body, url)):
                    if link not in result.found:
                        result.found.add(link)
                        queue.put_nowait(link)
            else:
                result.failed[url] = answer
        finally:
            queue.task_done()
        if progress is not None:
            progress(len(result.fetched) + len(result.failed), len(result.found))


async def finish(
    queue: asyncio.Queue[str], workers: list[asyncio.Task[None]], timeout: float | None
) -> bool:
    """Wait for queue to finish, the deadline or a dead worker; cancel workers.

    Returns True if the deadline stopped the wait. A worker only ever stops by raising: then
    its exception is raised here at once, instead of queue.join() waiting forever for the
    task_done() calls that nobody is left to make. The workers are cancelled and awaited in
    every case, even when the wait itself is cancelled.
    """
    finished = asyncio.create_task(queue.join())
    try:
        done, _ = await asyncio.wait(
            [finished, *workers], timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        for task in done - {finished}:
            task.result()  # a worker stopped, so it raised: raise its exception here
        return not done
    finally:
        for task in (finished, *workers):
            task.cancel()
        await asyncio.gather(finished, *workers, return_exceptions=True)


async def crawl(
    session: aiohttp.ClientSession,
    start_url: str,
    *,
    workers: int = 10,
    rate: float = 100.0,
    attempts: int = 4,
    backoff: float = 0.05,
    timeout: float | None = None,
    progress: Progress | None = None,
) -> CrawlResult:
    """Crawl from start_url politely; see the module's docstring.

    progress, if given, is called as progress(done, found) each time a URL is finished.
    """
    _check_count("workers", workers, 1)
    _check_count("attempts", attempts, 1)
    _check_seconds("backoff", backoff)
    if timeout is not None:
        _check_seconds("timeout", timeout)
    bucket = TokenBucket(rate, CRAWL_BURST)  # checks the rate
    began = time.perf_counter()
    start_url = urldefrag(start_url).url
    result = CrawlResult(found={start_url})
    queue = CrawlQueue(maxsize=workers)  # bounded, and a worker never waits to queue a link
    queue.put_nowait(start_url)
    tasks = [
        asyncio.create_task(
            crawl_worker(session, queue, bucket, result, attempts, backoff, progress)
        )
        for _ in range(workers)
    ]
    try:
        result.timed_out = await finish(queue, tasks, timeout)
    finally:
        result.elapsed = time.perf_counter() - began
    return result
