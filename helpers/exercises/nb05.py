"""Self-checks for the exercises of notebook 05-aiohttp.

Each check starts the slow server, hands the learner's coroutine a `ClientSession` that counts
the requests sent through it (an aiohttp `TraceConfig`), and grades with counts: the answers,
the requests the session saw, and the server's own `/stats` (the most requests it ever held at
once). No wall-clock threshold: a busy machine cannot fail a right answer.
"""

from __future__ import annotations

from collections.abc import Mapping
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


async def check_sum_squares(namespace: Mapping[str, Any]) -> bool:
    """05-aiohttp, exercise 1: sum_squares(session, base_url, count) on the given session."""
    what = "async def sum_squares(session, base_url, count)"
    sum_squares = answer(namespace, "sum_squares", what)
    if sum_squares is None:
        return False
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


async def check_fetch_politely(namespace: Mapping[str, Any]) -> bool:
    """05-aiohttp, exercise 2: fetch_politely(session, urls, at_once) bounded by a Semaphore."""
    fetch_politely = answer(
        namespace, "fetch_politely", "async def fetch_politely(session, urls, at_once)"
    )
    if fetch_politely is None:
        return False
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
