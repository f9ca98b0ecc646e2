"""A polite concurrent crawler for the slow server's generated site (15-capstone-crawler).

`crawl` starts from one URL and follows the links it finds to the same host, never fetching a
URL twice. `workers` tasks take URLs from one unbounded queue, so at most that many requests are
in flight (the queue holds no more than the URLs the crawl has found: the site bounds it); a
`TokenBucket` holds the requests to `rate` a second; each request has its own time limit
(REQUEST_TIMEOUT); server errors (500, 502, 503, 504), timeouts and broken connections are
retried with exponential backoff and jitter; a global `timeout` stops the crawl, cancels its
workers and returns what was found so far.

It is built from the pieces that notebooks 15 and 16 ask for in their exercises: `page_links`
and `TokenBucket` (15), then `fetch_with_retries`, `finish`, `crawl_worker` and `crawl` (16).
`end_workers` is notebook 15's way to end a pool of workers once their queue is done. The
notebooks' sections that show a whole crawl use this one, so that they run before the exercises
are done.
"""

from __future__ import annotations

import asyncio
import math
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import aiohttp

RETRY_STATUSES = frozenset({500, 502, 503, 504})  # worth another try: the server may recover
# asyncio.sleep mostly wakes late (early by at most the clock's resolution); a bucket of one token
# loses that time and falls short of its rate, while a bucket of two banks it, at the price of two
# requests at once after a pause
CRAWL_BURST = 2
# each request's own time limit: a stalled answer is given up and retried, not waited for
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=2.0)
# what queue.get() raises once queue.shutdown() (Python 3.13+) has ended the work: before 3.13,
# nothing (an empty tuple catches nothing), since there the workers are cancelled instead
QUEUE_SHUT_DOWN: tuple[type[Exception], ...] = ()
if sys.version_info >= (3, 13):
    QUEUE_SHUT_DOWN = (asyncio.QueueShutDown,)

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


def end_workers(queue: asyncio.Queue[Any], workers: list[asyncio.Task[None]]) -> None:
    """End workers that wait in queue.get(): shut the queue down (3.13+), else cancel them."""
    if hasattr(queue, "shutdown"):  # Python 3.13+
        queue.shutdown()  # each get() on the empty queue raises QueueShutDown: the worker returns
    else:  # Python 3.11 and 3.12
        for worker in workers:
            worker.cancel()  # CancelledError in get() ends the worker


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
    the page's text after a 200, else "". Each request first takes a token from bucket, and gives
    up after REQUEST_TIMEOUT; retry k waits backoff * 2 ** (k - 1) seconds first, times a random
    factor from 0.5 to 1.
    """
    _check_count("attempts", attempts, 1)
    for attempt in range(attempts):
        if attempt:  # exponential backoff, with jitter so that retries do not march in step
            await asyncio.sleep(backoff * 2 ** (attempt - 1) * random.uniform(0.5, 1))
        await bucket.acquire()
        try:
            async with session.get(url, allow_redirects=False, timeout=REQUEST_TIMEOUT) as response:
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
    queue: asyncio.Queue[str] = asyncio.Queue()  # unbounded: a worker never waits to queue a link
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
