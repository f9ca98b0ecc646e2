"""Self-checks for the exercises of notebook 07-aiohttp: one session, and a sliding window.

Each check starts the slow server, hands the learner's coroutine a `ClientSession` that records
the requests sent through it (an aiohttp `TraceConfig`), runs it under the watchdog, and grades
with counts: the answers, the requests the session saw, and the server's own records (`/stats`:
the most requests it held at once; `/order`: the order in which it finished them). No
wall-clock threshold: a busy machine cannot fail a right answer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

import aiohttp

from helpers.exercises import Mistake, answer, passed, self_check, watchdog
from helpers.server.process import SlowServer


class CountingSession:
    """`async with CountingSession(...) as session:` records the URLs requested through it."""

    def __init__(self, limit: int = 100) -> None:
        self.urls: list[str] = []
        self._trace = aiohttp.TraceConfig()
        self._trace.on_request_start.append(self._record)
        self._limit = limit
        self._session: aiohttp.ClientSession | None = None

    async def _record(self, session: Any, context: SimpleNamespace, params: Any) -> None:
        self.urls.append(str(params.url))

    @property
    def requests(self) -> int:
        """How many requests were sent through the session."""
        return len(self.urls)

    async def __aenter__(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(limit=self._limit)
        self._session = aiohttp.ClientSession(connector=connector, trace_configs=[self._trace])
        return self._session

    async def __aexit__(self, *exc_info: object) -> None:
        if self._session is not None:
            await self._session.close()


async def server_record(base_url: str, route: str = "/stats") -> dict[str, Any]:
    """The slow server's /stats (or /order), read on a session of its own."""
    async with aiohttp.ClientSession() as session, session.get(base_url + route) as response:
        return await response.json()


def is_document(body: object, n: int) -> bool:
    """Whether body is the server's JSON document /json/n."""
    try:
        return json.loads(body) == {"id": n, "square": n * n}  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


SQUARES_LATENCY = 0.1  # seconds the server takes over each document
FIRST_ID = 40  # the check's base URL numbers the documents from here: /json/0 is {"id": 40, ...}


@self_check
async def check_sum_squares(namespace: Mapping[str, Any]) -> bool | None:
    """07-aiohttp, exercise 1: sum_squares(session, base_url, count).

    Requires: the sum comes from the documents the server serves, /json/0 to /json/count-1
    (the check's base URL numbers them from FIRST_ID, so a sum worked out from the indices
    cannot match); every request goes through the session it is given (no session per
    request); the requests overlap (the server holds two or more at once).
    """
    what = "async def sum_squares(session, base_url, count)"
    sum_squares = answer(namespace, "sum_squares", what)
    count = 30
    counter = CountingSession()
    async with SlowServer(latency=SQUARES_LATENCY) as server, counter as session:
        total = await watchdog.finishes(
            sum_squares(session, f"{server.url}/from/{FIRST_ID}", count),
            f"sum_squares(session, base_url, {count})",
            function=sum_squares,
        )
        stats = await server_record(server.url)
    if stats["requests"] == 0:
        raise Mistake(
            f"the server received no request, and sum_squares returned {total!r}: the sum must "
            "come from the documents the server serves (a real API's data cannot be worked out "
            "in advance). Fetch /json/0 to /json/{count-1}"
        )
    if counter.requests < stats["requests"]:
        raise Mistake(
            f"only {counter.requests} of the server's {stats['requests']} requests went through "
            "the session you were given: a new ClientSession per request throws away its pool "
            "of connections. Send every request with `session.get`"
        )
    if total == sum(n * n for n in range(count)):
        raise Mistake(
            f"sum_squares returned {total!r}, the sum of n * n for n from 0 to {count - 1}, "
            "worked out from the indices, not the 'square' fields the server sent (here the "
            f"documents are numbered from {FIRST_ID}: /json/0 is the square of {FIRST_ID}). Add "
            "up the 'square' field of each document you fetched"
        )
    squares = [(FIRST_ID + n) ** 2 for n in range(count + 1)]
    if total == sum(squares[1:]):
        raise Mistake(f"you fetched /json/1 to /json/{count}: the documents are 0 to count - 1")
    if total != sum(squares[:-1]):
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


POLITE_AT_ONCE = 7
POLITE_URLS = 60  # the slow download first, then /json/1 to /json/59
SLOW_BODY = "/download?size=100000&rate=100000"  # one second to send
OVERTAKE = 50  # how many of the 59 quick requests must end before the slow one
HELD = (
    "it waits for something that never comes: a semaphore acquired and never released (use "
    "`async with gate:`, which releases it however the request ends)"
)


@self_check
async def check_fetch_politely(namespace: Mapping[str, Any]) -> bool | None:
    """07-aiohttp, exercise 2: fetch_politely(session, urls, at_once), one sliding window.

    Requires: every request through the session it is given; the bodies in the order of the
    URLs; never more than at_once requests in flight at the server; and a window that slides:
    when a request ends, the next one starts at once, so that one slow request (the first URL,
    a one-second download) holds one slot, not a whole batch: at least 50 of the 59 quick
    requests end before it (the server's /order). Batches of gather ("waves") wait for their
    slowest member and fail this.
    """
    fetch_politely = answer(
        namespace, "fetch_politely", "async def fetch_politely(session, urls, at_once)"
    )
    counter = CountingSession(limit=0)  # no connection limit: only your bound holds them back
    async with SlowServer(latency=0.02) as server, counter as session:
        urls = [server.url + SLOW_BODY]
        urls += [f"{server.url}/json/{n}" for n in range(1, POLITE_URLS)]
        bodies = await watchdog.finishes(
            fetch_politely(session, urls, POLITE_AT_ONCE),
            f"fetch_politely(session, urls, {POLITE_AT_ONCE})",
            advice=HELD,
            function=fetch_politely,
        )
        stats = await server_record(server.url)
        ended = (await server_record(server.url, "/order"))["ended"]
    if counter.requests < POLITE_URLS:
        raise Mistake(
            f"only {counter.requests} of {POLITE_URLS} requests went through the session you "
            "were given. A session of your own with TCPConnector(limit=...) bounds connections, "
            "not your code: use an asyncio.Semaphore around each fetch on this session"
        )
    in_order = (
        isinstance(bodies, (list, tuple))
        and len(bodies) == POLITE_URLS
        and len(bodies[0]) == 100_000
        and all(is_document(body, n) for n, body in enumerate(bodies[1:], 1))
    )
    if not in_order:
        raise Mistake(
            "the bodies are not those of the URLs, in their order: return every body in the "
            "order of the URLs (gather keeps it; as_completed does not)"
        )
    most = stats["max_in_flight"]
    if most > POLITE_AT_ONCE:
        raise Mistake(
            f"the server held {most} requests at once, more than at_once={POLITE_AT_ONCE}. "
            "Create one Semaphore(at_once) for the whole call and hold it around each fetch: a "
            "semaphore per request, or one released before the request is sent, bounds nothing"
        )
    if most < 2:
        raise Mistake("one request at a time is polite but slow: let up to at_once run together")
    overtook = ended.index(SLOW_BODY)
    if overtook < OVERTAKE:
        raise Mistake(
            f"only {overtook} of the {POLITE_URLS - 1} quick requests ended before the slow "
            f"first one, though {POLITE_AT_ONCE - 1} slots were free all along: your requests "
            "go in batches that wait for their slowest member. Start a request the moment "
            "another ends: one Semaphore(at_once) around each fetch, all gathered at once"
        )
    return passed(
        f"all {POLITE_URLS} bodies in order, at most {most} requests in flight (limit "
        f"{POLITE_AT_ONCE}), and {overtook} quick requests overtook the slow one"
    )
