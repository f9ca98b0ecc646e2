"""Ways to download many URLs: in turn, on threads, with asyncio (09-choosing-a-model).

As in Fluent Python's flag downloaders, each way is one `download_many(urls, concurrency,
ready)` that returns the bodies in the order of the URLs; the harness in helpers.bench.io times
them all the same way. Each first warms up: it starts its `concurrency` workers (threads or
tasks) and opens a connection for each, with one request per worker to the first URL, then calls
`ready()`, and only then fetches the URLs. The harness reads its clocks at `ready()`, so set-up
(a thread started, a connection opened) is counted apart from the cost per request.

The pairs that share a library: httpx's blocking `Client` on a pool of threads against httpx's
`AsyncClient` on one event loop (one HTTP stack, httpcore, and one pool design: a client with
`concurrency` connections, `concurrency` workers each making one request at a time); and
aiohttp on one loop, the article's library. `requests` with a warm session per thread and the
sequential loop are the article's own rows.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar, cast

import aiohttp
import httpx
import requests

TIMEOUT_S = 60.0  # requests has no timeout unless given one; httpx's default (5 s) is too short
T = TypeVar("T")
Ready = Callable[[], None]  # called once by a download_many when its workers are warm


def _not_timed() -> None:
    """The default `ready`: nobody is timing."""


def requests_session() -> requests.Session:
    """A requests Session that ignores proxy settings: the server is on loopback."""
    session = requests.Session()
    session.trust_env = False
    return session


def get(session: requests.Session, url: str) -> bytes:
    """GET url with requests, raising for an error status; return the body."""
    with session.get(url, timeout=TIMEOUT_S) as response:
        response.raise_for_status()
        return response.content


def download_sequential(
    urls: Sequence[str], concurrency: int = 1, ready: Ready = _not_timed
) -> list[bytes]:
    """One request after another on one requests Session; concurrency is ignored."""
    with requests_session() as session:
        get(session, urls[0])  # warm: the session's connection is open
        ready()
        return [get(session, url) for url in urls]


def warm_threads(pool: ThreadPoolExecutor, workers: int, get_one: Callable[[], object]) -> None:
    """Start `workers` threads of pool at once and make get_one() run once on each."""
    everyone = threading.Barrier(workers)

    def first() -> object:
        everyone.wait(timeout=TIMEOUT_S)  # all alive at once: the pool had to start each
        return get_one()

    for future in [pool.submit(first) for _ in range(workers)]:
        future.result()


def download_threads(
    urls: Sequence[str], concurrency: int, ready: Ready = _not_timed
) -> list[bytes]:
    """requests on a pool of `concurrency` threads, one warm Session per thread."""
    local = threading.local()
    sessions: list[requests.Session] = []

    def get_in_thread(url: str) -> bytes:
        if not hasattr(local, "session"):
            local.session = requests_session()  # a Session is not meant to be shared by threads
            sessions.append(local.session)
        return get(local.session, url)

    try:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            warm_threads(pool, concurrency, partial(get_in_thread, urls[0]))
            ready()
            return list(pool.map(get_in_thread, urls))
    finally:
        for session in sessions:
            session.close()


def httpx_limits(concurrency: int) -> httpx.Limits:
    """A pool of `concurrency` connections, all kept open between requests."""
    return httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)


def get_httpx(client: httpx.Client, url: str) -> bytes:
    """GET url with a blocking httpx Client, raising for an error status; return the body."""
    response = client.get(url)
    response.raise_for_status()
    return response.content


def download_httpx_threads(
    urls: Sequence[str], concurrency: int, ready: Ready = _not_timed
) -> list[bytes]:
    """One blocking httpx.Client, shared by a pool of `concurrency` threads: the rule's threads."""
    limits = httpx_limits(concurrency)
    with (
        httpx.Client(limits=limits, timeout=TIMEOUT_S, trust_env=False) as client,
        ThreadPoolExecutor(max_workers=concurrency) as pool,
    ):
        warm_threads(pool, concurrency, partial(get_httpx, client, urls[0]))
        ready()
        return list(pool.map(partial(get_httpx, client), urls))


async def every_one(*requests: Awaitable[T]) -> list[T]:
    """Await every request to its end, then raise the first error: none is left running."""
    results = await asyncio.gather(*requests, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return cast(list[T], results)


async def get_httpx_async(client: httpx.AsyncClient, url: str) -> bytes:
    """GET url with httpx's AsyncClient, raising for an error status; return the body."""
    response = await client.get(url)
    response.raise_for_status()
    return response.content


async def download_httpx_async(
    urls: Sequence[str], concurrency: int, ready: Ready = _not_timed
) -> list[bytes]:
    """One httpx.AsyncClient, `concurrency` tasks each fetching the next URL in turn."""
    bodies: list[bytes] = [b""] * len(urls)
    jobs: Iterator[tuple[int, str]] = iter(enumerate(urls))

    async def worker(client: httpx.AsyncClient) -> None:
        for n, url in jobs:  # one iterator shared by every worker: each takes the next URL
            bodies[n] = await get_httpx_async(client, url)

    limits = httpx_limits(concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=TIMEOUT_S, trust_env=False) as client:
        await every_one(*(get_httpx_async(client, urls[0]) for _ in range(concurrency)))
        ready()
        await every_one(*(worker(client) for _ in range(concurrency)))
    return bodies


async def fetch(session: aiohttp.ClientSession, url: str) -> bytes:
    """GET url on the shared aiohttp session, raising for an error status; return the body."""
    async with session.get(url) as response:
        response.raise_for_status()
        return await response.read()


async def download_aiohttp(
    urls: Sequence[str], concurrency: int, ready: Ready = _not_timed
) -> list[bytes]:
    """All requests at once on one aiohttp session of `concurrency` connections."""
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        await every_one(*(fetch(session, urls[0]) for _ in range(concurrency)))
        ready()
        return await every_one(*(fetch(session, url) for url in urls))
