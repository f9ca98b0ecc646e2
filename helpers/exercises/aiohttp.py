"""Self-checks for the exercises of notebook 05-aiohttp.

Each check starts the slow server, hands the learner's coroutine a `ClientSession` that counts
the requests sent through it (an aiohttp `TraceConfig`), and grades with counts: the answers,
the requests the session saw, and the server's own `/stats` (the most requests it ever held at
once). No wall-clock threshold: a busy machine cannot fail a right answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import tracemalloc
from collections.abc import Mapping
from functools import partial
from types import SimpleNamespace
from typing import Any

import aiohttp

from helpers.bench.io import json_urls, wrong_bodies
from helpers.exercises import Mistake, answer, passed
from helpers.server.process import SlowServer


class CountingSession:
    """`async with CountingSession(...) as session:` counts the requests sent through it."""

    def __init__(self, limit: int = 100) -> None:
        self.requests = 0
        self._trace = aiohttp.TraceConfig()
        self._trace.on_request_start.append(self._count)
        self._limit = limit
        self._session: aiohttp.ClientSession | None = None

    async def _count(self, session: Any, context: SimpleNamespace, params: Any) -> None:
        self.requests += 1

    async def __aenter__(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(limit=self._limit)
        self._session = aiohttp.ClientSession(connector=connector, trace_configs=[self._trace])
        return self._session

    async def __aexit__(self, *exc_info: object) -> None:
        if self._session is not None:
            await self._session.close()


async def _stats(base_url: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session, session.get(f"{base_url}/stats") as response:
        return await response.json()


async def check_sum_squares(namespace: Mapping[str, Any]) -> bool | None:
    """05-aiohttp, exercise 1: sum_squares(session, base_url, count) on the given session."""
    what = "async def sum_squares(session, base_url, count)"
    sum_squares = answer(namespace, "sum_squares", what)
    if sum_squares is None:
        return None
    count = 30
    counter = CountingSession()
    async with SlowServer(latency=0.1) as server, counter as session:
        total = await sum_squares(session, server.url, count)
        stats = await _stats(server.url)
    if counter.requests < count:
        raise Mistake(
            f"only {counter.requests} of the server's {stats['requests']} requests went through "
            "the session you were given: a new ClientSession per request throws away its pool "
            "of connections. Send every request with `session.get`"
        )
    if total == sum(n * n for n in range(1, count + 1)):
        raise Mistake(f"you fetched /json/1 to /json/{count}: the documents are 0 to count - 1")
    if total != sum(n * n for n in range(count)):
        raise Mistake(f"got {total!r}: add up the 'square' field of /json/0 to /json/{count - 1}")
    if stats["requests"] != count:
        raise Mistake(f"the server received {stats['requests']} requests for {count} documents")
    if stats["max_in_flight"] < 2:
        raise Mistake(
            "the server never held two requests at once: awaiting each request before sending "
            "the next runs them one after another. Start them all, then gather them"
        )
    return passed(
        f"sum_squares is right, sent {count} requests on one session, up to "
        f"{stats['max_in_flight']} at once"
    )


async def check_fetch_politely(namespace: Mapping[str, Any]) -> bool | None:
    """05-aiohttp, exercise 2: fetch_politely(session, urls, at_once) bounded by a Semaphore."""
    fetch_politely = answer(
        namespace, "fetch_politely", "async def fetch_politely(session, urls, at_once)"
    )
    if fetch_politely is None:
        return None
    count, at_once = 60, 7
    counter = CountingSession(limit=0)  # no connection limit: only your bound holds them back
    async with SlowServer(latency=0.05) as server, counter as session:
        bodies = await fetch_politely(session, json_urls(server.url, count), at_once)
        stats = await _stats(server.url)
    if counter.requests < count:
        raise Mistake(
            f"only {counter.requests} of {count} requests went through the session you were "
            "given. A session of your own with TCPConnector(limit=...) bounds connections, not "
            "your code: use an asyncio.Semaphore around each fetch on this session"
        )
    if len(bodies) != count or wrong_bodies(bodies):
        raise Mistake(
            f"{len(bodies)} bodies, {wrong_bodies(bodies[:count])} not the document of their URL: "
            "return every body in the order of the URLs (gather keeps it; as_completed does not)"
        )
    most = stats["max_in_flight"]
    if most > at_once:
        raise Mistake(
            f"the server held {most} requests at once, more than at_once={at_once}. Create one "
            "Semaphore(at_once) for the whole call and hold it around each fetch: a semaphore "
            "per request, or one released before the request is sent, bounds nothing"
        )
    if most < 2:
        raise Mistake("one request at a time is polite but slow: let up to at_once run together")
    return passed(f"all {count} bodies in order, at most {most} requests in flight (limit 7)")


async def _record_waits(waits: list[float], seconds: float) -> None:
    waits.append(seconds)
    await asyncio.sleep(seconds)


async def check_get_when_allowed(namespace: Mapping[str, Any]) -> bool | None:
    """05-aiohttp, exercise 4: get_when_allowed(session, url, sleep) honours 429 Retry-After."""
    get_when_allowed = answer(
        namespace, "get_when_allowed", "async def get_when_allowed(session, url, sleep)"
    )
    if get_when_allowed is None:
        return None
    count, retry_after = 3, 1
    waits: list[float] = []
    sleep = partial(_record_waits, waits)
    counter = CountingSession()
    async with SlowServer(latency=0.01, retry_after=retry_after) as server, counter as session:
        urls = json_urls(server.url, count)
        try:
            results = await asyncio.wait_for(
                asyncio.gather(
                    *(get_when_allowed(session, url, sleep) for url in urls),
                    return_exceptions=True,
                ),
                20,
            )
        except TimeoutError:
            raise Mistake("it had not finished after 20 s: give up after four attempts") from None
        stats = await _stats(server.url)
    errors = [result for result in results if isinstance(result, BaseException)]
    if any(isinstance(e, aiohttp.ClientResponseError) and e.status == 429 for e in errors):
        raise Mistake(
            "a 429 raised an error: raise_for_status() before looking at the status gives up "
            "on an answer that says 'wait, then try again'. Check for 429 first"
        )
    if stats["throttled"] > count:
        raise Mistake(
            f"the server refused {stats['throttled']} requests for {count} URLs: you retried "
            f"after waiting {sorted(set(waits))} s, sooner than the Retry-After: {retry_after} "
            "it sent. Wait the seconds in response.headers['Retry-After'] (seconds, not ms)"
        )
    if errors:
        raise errors[0]
    bodies = [body for body in results if isinstance(body, (str, bytes))]
    if len(bodies) != count or wrong_bodies(bodies):
        raise Mistake(f"got {results!r}: return each URL's body text, once it is served")
    if waits != [float(retry_after)] * count:
        raise Mistake(
            f"the sleep you were given was called with {waits}, not once per URL with the "
            f"{retry_after} s of the header: wait with `await sleep(seconds)`, not asyncio.sleep"
        )
    if counter.requests != 2 * count:
        raise Mistake(f"{counter.requests} requests for {count} URLs refused once each")
    return passed(
        f"each of {count} URLs was refused once, waited the {retry_after} s the header asked "
        "for, and was served at its second attempt"
    )


async def _connection_free(session: aiohttp.ClientSession, url: str) -> bool:
    try:
        timeout = aiohttp.ClientTimeout(connect=2)
        async with session.get(url, timeout=timeout) as response:
            await response.read()
    except aiohttp.ConnectionTimeoutError:
        return False
    return True


async def check_head(namespace: Mapping[str, Any]) -> bool | None:
    """05-aiohttp, exercise 5: read_chunks(session, url, size) and head(session, url, n)."""
    read_chunks = answer(
        namespace, "read_chunks", "the async generator read_chunks(session, url, size)"
    )
    if read_chunks is None:
        return None
    head = answer(namespace, "head", "async def head(session, url, n)")
    if head is None:
        return None
    if not inspect.isasyncgenfunction(read_chunks):
        raise Mistake(
            "read_chunks is not an async generator: an `async def` that yields each chunk "
            "(`yield chunk` inside `async for chunk in response.content.iter_chunked(size)`)"
        )
    size, small, n, big = 1000, 2**15, 100_000, 32 * 2**20
    counter = CountingSession(limit=1)
    async with SlowServer() as server, counter as session:
        sizes = []
        chunks = read_chunks(session, f"{server.url}/download?size={small}", size)
        async with contextlib.aclosing(chunks):
            async for chunk in chunks:
                sizes.append(len(chunk))
        if sum(sizes) != small or max(sizes, default=0) > size:
            raise Mistake(
                f"read_chunks(session, url, {size}) yielded {len(sizes)} chunks, {sum(sizes):,} "
                f"bytes, the largest {max(sizes, default=0):,}: yield the whole body of "
                f"{small:,} bytes, in chunks of at most size bytes (iter_chunked(size))"
            )
        tracing = tracemalloc.is_tracing()
        if not tracing:
            tracemalloc.start()
        tracemalloc.reset_peak()
        try:
            first = await head(session, f"{server.url}/download?size={big}", n)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            if not tracing:
                tracemalloc.stop()
        free = await _connection_free(session, f"{server.url}/json/1")
    if first != bytes(n):
        length = len(first) if isinstance(first, (bytes, bytearray)) else "no"
        raise Mistake(f"head returned {length} bytes: return exactly the first n={n:,} bytes")
    if peak > big // 4:
        raise Mistake(
            f"head took {peak / 2**20:.0f} MiB to return {n:,} bytes of a {big // 2**20} MiB "
            "body: it read the whole body (read(), or every chunk into a list). Stop iterating "
            "as soon as you have n bytes"
        )
    if not free:
        raise Mistake(
            "after head returned, the session's only connection was still held: the "
            "generator is suspended at its yield, inside `async with session.get(...)`. Close "
            "it: `async with contextlib.aclosing(read_chunks(...)) as chunks:` or "
            "`await chunks.aclose()`"
        )
    return passed(
        f"head read {n:,} bytes in {peak / 2**20:.1f} MiB of memory, and freed the connection"
    )
