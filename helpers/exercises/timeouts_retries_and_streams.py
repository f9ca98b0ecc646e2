"""Self-checks for the exercises of notebook 08-timeouts-retries-and-streams.

Each check starts the slow server, hands the learner's code a `ClientSession` that records the
requests sent through it, runs it under the watchdog, and grades it with instruments: a `sleep`
that records what it was asked for, servers that refuse in different ways (Retry-After of 1 s,
of 2 s, an HTTP date an hour away, a 404), and strong references held on the generators the
learner's code creates. No wall-clock threshold: a busy machine cannot fail a right answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import tracemalloc
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aiohttp

from helpers.exercises import Mistake, answer, passed, self_check, watchdog
from helpers.exercises.aiohttp import CountingSession, is_document, server_record
from helpers.server.process import SlowServer

ATTEMPTS = 4
MAX_WAIT = 60.0  # the cap of the notebook's retry_after_s, if the notebook has none
REAL_WAIT_CAP = 3.0  # the recording sleep never really sleeps longer than this
TOO_MANY_WAITS = 10  # a sleep called this often belongs to a loop that never gives up
HELD = (
    "it waits for something that never comes: a request on a pool of one connection while "
    "another response still holds the connection, or a wait that never ends"
)


class Sleeps:
    """A `sleep` to hand the learner's code: records each wait, sleeps for real or not at all."""

    def __init__(self, real: bool) -> None:
        self.waits: list[float] = []
        self.real = real

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if len(self.waits) > TOO_MANY_WAITS:
            raise Mistake(
                f"sleep was called {len(self.waits)} times for one URL: give up with an "
                f"exception after {ATTEMPTS} attempts"
            )
        if self.real:
            await asyncio.sleep(min(max(0.0, seconds), REAL_WAIT_CAP))


async def _attempt(
    get_when_allowed: Callable[..., Awaitable[Any]],
    session: aiohttp.ClientSession,
    url: str,
    sleep: Sleeps,
) -> Any:
    """What get_when_allowed(session, url, sleep) returned, or the exception it raised."""
    try:
        return await get_when_allowed(session, url, sleep)
    except Exception as error:  # graded by the check: some cases expect an exception
        return error


def _raised_429(result: object) -> bool:
    return isinstance(result, aiohttp.ClientResponseError) and result.status == 429


async def _refused(
    get_when_allowed: Callable[..., Awaitable[Any]], sleep: Sleeps, path: str, **server: Any
) -> tuple[Any, list[str], int]:
    """What get_when_allowed returned or raised on a server made with `server`, the URLs it
    requested (on a pool of one connection), and how many the server refused with 429; every
    request must go through the session given."""
    counter = CountingSession(limit=1)
    async with SlowServer(latency=0.01, **server) as slow, counter as session:
        result = await _attempt(get_when_allowed, session, slow.url + path, sleep)
        stats = await server_record(slow.url)
    if len(counter.urls) < stats["requests"]:
        raise Mistake(
            f"only {len(counter.urls)} of the server's {stats['requests']} requests went "
            "through the session you were given: send every attempt with `session.get`, not "
            "on a session of your own"
        )
    return result, counter.urls, stats["throttled"]


@self_check
async def check_get_when_allowed(namespace: Mapping[str, Any]) -> bool | None:
    """08-timeouts-retries-and-streams, exercise 2: get_when_allowed(session, url, sleep).

    Requires: on a 429, wait what its Retry-After asks (seconds, or an HTTP date, capped at
    MAX_WAIT: the section's retry_after_s), through the `sleep` it is given, then try again;
    return the body's text once served (a server asking 1 s, a sleep that really waits); give
    up with an exception after exactly four requests, with no wait after the last refusal
    (servers that refuse every request made sooner than 2 s, and an hour, after the last 429,
    a sleep that returns at once: a wait of one's own choosing shows); any other error status
    raises at once, unretried (a 404); every attempt goes through the session given.
    """
    get_when_allowed = answer(
        namespace, "get_when_allowed", "async def get_when_allowed(session, url, sleep)"
    )
    cap = float(namespace.get("MAX_WAIT", MAX_WAIT))
    real, two, hour, lost = (Sleeps(real) for real in (True, False, False, False))
    what = "get_when_allowed(session, url, sleep)"
    first = _refused(get_when_allowed, real, "/json/1", retry_after=1)
    body, _, refused = await watchdog.finishes(first, what, advice=HELD, function=get_when_allowed)
    if _raised_429(body):
        raise Mistake(
            "a 429 raised an error: raise_for_status() before looking at the status gives up "
            "on an answer that says 'wait, then try again'. Check for 429 first"
        )
    if isinstance(body, Mistake):  # raised by a Sleeps
        raise body
    if not real.waits:
        if isinstance(body, BaseException):
            raise body
        raise Mistake(
            "the sleep you were given was never called: wait with `await sleep(seconds)`, "
            "the function passed in, not asyncio.sleep"
        )
    if real.waits != [1.0] or refused != 1:
        raise Mistake(
            f"a server that answered 429 with Retry-After: 1 saw you wait {real.waits} s and "
            f"refused {refused} requests: wait the seconds its header asks for, once, then try "
            "again; a server refuses a retry that comes sooner"
        )
    if isinstance(body, BaseException):
        raise body
    if not is_document(body, 1):
        raise Mistake(f"got {body!r}: return the body's text, once it is served")
    cases = asyncio.gather(
        _refused(get_when_allowed, two, "/json/2", retry_after=2),
        _refused(get_when_allowed, hour, "/json/3", retry_after=3600, retry_after_date=True),
        _refused(get_when_allowed, lost, "/site/1000000"),
    )
    outcomes = await watchdog.finishes(cases, what, advice=HELD, function=get_when_allowed)
    for result, _, _ in outcomes:
        if isinstance(result, Mistake):  # raised by a Sleeps
            raise result
    stubborn, distant, (missing, asked, _) = outcomes
    for (result, urls, _), sleep, header in ((stubborn, two, "2"), (distant, hour, "an hour")):
        _gave_up(result, len(urls), sleep.waits, header, cap)
    if len(asked) > 1 or lost.waits:
        raise Mistake(
            f"a URL answered 404 was requested {len(asked)} times, with waits {lost.waits}: it "
            "will not heal. Raise at once, without retrying"
        )
    if not isinstance(missing, aiohttp.ClientResponseError) or missing.status != 404:
        raise Mistake(
            f"a URL answered 404 gave {missing!r}: other error statuses raise "
            "ClientResponseError at once (response.raise_for_status())"
        )
    return passed(
        f"waited what each Retry-After asked (1 s, 2 s, an hour capped at {cap:g} s), gave up "
        f"after {ATTEMPTS} requests with no wait after the last, and raised on a 404 at once"
    )


def _gave_up(result: object, requests: int, waits: list[float], header: str, cap: float) -> None:
    """Grade a server that refuses every time: Retry-After `header`, the sleep returns at once."""
    said = f"a server that refuses every request with Retry-After: {header}"
    if isinstance(result, ValueError):
        raise Mistake(
            f"{said} (an HTTP date, the header's other form) made your code raise "
            f"{type(result).__name__}: {result}. Read the header with the section's "
            "retry_after_s, which understands both forms"
        )
    if any(wait > cap for wait in waits):
        raise Mistake(f"{said} saw you wait {waits} s: cap each wait at MAX_WAIT ({cap:g} s)")
    expected = 2.0 if header == "2" else cap
    if any(wait != expected for wait in waits):
        raise Mistake(
            f"{said} saw you wait {waits} s, not the {expected:g} s it asks for: wait what the "
            "header says, not a time of your own choosing"
        )
    if not isinstance(result, BaseException):
        raise Mistake(
            f"{said} got {requests} requests and get_when_allowed returned {result!r}: give up "
            "by raising an exception"
        )
    if requests != ATTEMPTS:
        raise Mistake(
            f"{said} got {requests} requests: make exactly {ATTEMPTS} attempts, then raise"
        )
    if len(waits) != ATTEMPTS - 1:
        raise Mistake(
            f"{ATTEMPTS} refusals were followed by {len(waits)} waits: wait between attempts "
            f"only ({ATTEMPTS - 1} waits); a wait after the last refusal only delays the error"
        )


HEAD_N = 100_000
BIG_BODY = 32 * 2**20
SMALL_BODY = 2**15
CHUNK = 1000


@self_check
async def check_head(namespace: dict[str, Any]) -> bool | None:
    """08-timeouts-retries-and-streams, exercise 3: read_chunks(session, url, size) and head.

    Requires: read_chunks is an async generator that yields the whole body in chunks of at most
    size bytes, and stops at its end; head(session, url, n) returns exactly the first n bytes,
    read through read_chunks (the check counts the generators it makes); it stops early (its
    memory stays far below the 32 MiB body); and the generator is closed when head returns:
    the check holds a reference to every generator read_chunks made, so that CPython's
    refcounting cannot close one for it, and requires `ag_frame is None` at once, before any
    await; then the session's only connection is free.
    """
    read_chunks = answer(
        namespace, "read_chunks", "the async generator read_chunks(session, url, size)"
    )
    head = answer(namespace, "head", "async def head(session, url, n)")
    if not inspect.isasyncgenfunction(read_chunks):
        raise Mistake(
            "read_chunks is not an async generator: an `async def` that yields each chunk "
            "(`yield chunk` inside `async for chunk in response.content.iter_chunked(size)`)"
        )
    made: list[Any] = []

    def recorded(*args: Any, **kwargs: Any) -> Any:
        generator = read_chunks(*args, **kwargs)
        made.append(generator)  # a strong reference, as a caller's variable would hold
        return generator

    counter = CountingSession(limit=1)
    async with SlowServer() as server, counter as session:
        sizes = await _chunk_sizes(
            read_chunks(session, f"{server.url}/download?size={SMALL_BODY}", CHUNK)
        )
        namespace["read_chunks"] = recorded  # head looks it up when it runs
        tracing = tracemalloc.is_tracing()
        if not tracing:
            tracemalloc.start()
        tracemalloc.reset_peak()
        try:
            first = await watchdog.finishes(
                head(session, f"{server.url}/download?size={BIG_BODY}", HEAD_N),
                f"head(session, url, {HEAD_N:,})",
                function=head,
            )
            peak = tracemalloc.get_traced_memory()[1]
            suspended = [g for g in made if g.ag_frame is not None]  # before any await
        finally:
            namespace["read_chunks"] = read_chunks
            if not tracing:
                tracemalloc.stop()
        free = await _connection_free(session, f"{server.url}/json/1")
        for generator in made:
            await generator.aclose()  # the check's own clean-up of what head left open
    if sum(sizes) != SMALL_BODY or max(sizes, default=0) > CHUNK:
        raise Mistake(
            f"read_chunks(session, url, {CHUNK}) yielded {len(sizes)} chunks, {sum(sizes):,} "
            f"bytes, the largest {max(sizes, default=0):,}: yield the whole body of "
            f"{SMALL_BODY:,} bytes, in chunks of at most size bytes (iter_chunked(size))"
        )
    if first != bytes(HEAD_N):
        length = len(first) if isinstance(first, (bytes, bytearray)) else "no"
        raise Mistake(f"head returned {length} bytes: return exactly the first n={HEAD_N:,} bytes")
    if peak > BIG_BODY // 4:
        raise Mistake(
            f"head took {peak / 2**20:.0f} MiB to return {HEAD_N:,} bytes of a "
            f"{BIG_BODY // 2**20} MiB body: it read the whole body (read(), or every chunk into "
            "a list). Stop iterating as soon as you have n bytes"
        )
    if not made:
        raise Mistake(
            "head never called read_chunks: read the body through your generator, so that the "
            "generator is what has to be closed"
        )
    if suspended:
        raise Mistake(
            "when head returned, the generator was still suspended at its yield, inside "
            "`async with session.get(...)`, holding the connection. Had nothing else referred "
            "to it, CPython would have finalised it at the break and asyncio would have queued "
            "aclose() for later, in another task: do not count on it (a variable or a traceback "
            "keeps it alive, as here). Close it yourself: `async with "
            "contextlib.aclosing(read_chunks(...)) as chunks:`, or `await chunks.aclose()` on "
            "every way out"
        )
    if not free:
        raise Mistake("after head returned, the session's only connection was still held")
    return passed(
        f"head read {HEAD_N:,} bytes in {peak / 2**20:.1f} MiB of memory, closed its generator "
        "before returning, and freed the connection"
    )


async def _chunk_sizes(chunks: Any) -> list[int]:
    """The sizes of the chunks an async generator yields, read to its end under the watchdog."""
    sizes: list[int] = []
    most = SMALL_BODY // 16 + 10  # more chunks than this: it does not stop at the end

    async def read_all() -> None:
        async with contextlib.aclosing(chunks):
            async for chunk in chunks:
                sizes.append(len(chunk))
                if len(sizes) > most:
                    raise Mistake(
                        f"read_chunks yielded more than {most} chunks for a body of "
                        f"{SMALL_BODY:,} bytes, and went on: stop at the end of the body (an "
                        "empty read means the end; iter_chunked(size) stops by itself)"
                    )

    await watchdog.finishes(read_all(), "reading read_chunks(session, url, size) to its end")
    return sizes


async def _connection_free(session: aiohttp.ClientSession, url: str) -> bool:
    try:
        timeout = aiohttp.ClientTimeout(connect=2)
        async with session.get(url, timeout=timeout) as response:
            await response.read()
    except aiohttp.ConnectionTimeoutError:
        return False
    return True
