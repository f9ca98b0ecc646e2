"""Self-checks for the exercises of notebook 15-capstone-crawler, one per step of the crawler.

The checks watch the learner's code from the outside with `crawlcheck`: the server's own counts
(`/stats`), faults injected on chosen URLs, the pages the generated site is known to have, and
the tasks left running. Time enters only as lower bounds that a busy machine cannot break
(`asyncio.sleep` wakes early by at most the clock's resolution, which EARLY allows for). Every
call of the learner's code runs under the watchdog, so a hang is a named mistake.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Mapping
from typing import Any

import aiohttp

from helpers.exercises import Mistake, answer, passed, self_check, watchdog
from helpers.exercises.bypass import refuse_references
from helpers.exercises.crawlcheck import (
    EARLY,
    SEED,
    WRITE_IT,
    FaultyConnections,
    expected_crawl,
    left_behind,
    loopback_session,
    server_stats,
)
from helpers.exercises.recorders import TaskRecorder
from helpers.lessons import crawler
from helpers.server.process import SlowServer

TICK_S = 0.005  # the heartbeat's period beside the callers of acquire()
MIN_TICKS_PER_WAIT = 3  # a free loop ticks about 20 times while a caller waits 0.1 s for a token
LATE = 1.5  # tokens' worth of time a callback holds the loop for, so that a waiter's timer is late

SAMPLE_PAGE = "http://127.0.0.1:8000/site/7"
SAMPLE = (
    '<ul><li><a href="/site/1">one</a><li><a href="2">two</a><li><a href="/site/3#links">three</a>'
    '<li><a href="/site/900">gone</a><li><a href="http://example.invalid/site/4">away</a>'
    '<li><a href="http://127.0.0.1:9/site/5">another port</a>'
    "<li><a class='nav' href='/site/6'>six, in single quotes</a>"
    '<li><A HREF="/site/8">eight, in capitals</A><li><a href="/site/1">one again</a>'
    '<li><a name="top">an anchor, not a link</a><li><a href="mailto:me@example.invalid">mail</a>'
    '</ul><link rel="stylesheet" href="/site/style.css">'
)
SAMPLE_LINKS = {f"http://127.0.0.1:8000/site/{n}" for n in (1, 2, 3, 6, 8, 900)}


def _judge_links(found: object) -> None:
    """Raise the Mistake that explains how `found` differs from SAMPLE_LINKS."""
    if not isinstance(found, set):
        raise Mistake(f"return a set of URLs, not a {type(found).__name__}")
    if any("#" in link for link in found):
        raise Mistake(
            f"{sorted(link for link in found if '#' in link)} keep their #fragment: the server "
            "never sees it, and /site/3#links is /site/3. Drop it with urldefrag(url).url"
        )
    if "http://example.invalid/site/4" in found:
        raise Mistake("a link to example.invalid is another site: keep only the page's own host")
    if "http://127.0.0.1:9/site/5" in found:
        raise Mistake(
            "127.0.0.1:9 is another server on the same machine: compare the host *and* port "
            "(urlsplit(url).netloc), not the host name alone"
        )
    if any("://" not in link for link in found):
        raise Mistake(
            f"{sorted(found)} holds links as written: resolve each against the page with "
            'urljoin(page_url, href), so that "2" on /site/7 becomes http://127.0.0.1:8000/site/2'
        )
    if "http://127.0.0.1:8000/site/style.css" in found:
        raise Mistake("<link href=...> names a style sheet, not a page: follow only <a> tags")
    missed = SAMPLE_LINKS - found
    if missed & {"http://127.0.0.1:8000/site/6", "http://127.0.0.1:8000/site/8"}:
        raise Mistake(
            f"missed {sorted(missed)}: written href='/site/6' and <A HREF=\"/site/8\">, both "
            'valid HTML. A regular expression for href="..." misses them; HTMLParser reads both'
        )
    if found != SAMPLE_LINKS:
        raise Mistake(f"expected {sorted(SAMPLE_LINKS)}, got {sorted(found)}")


@self_check
def check_page_links(namespace: Mapping[str, Any]) -> bool | None:
    """15-capstone-crawler, exercise 1: page_links(html, page_url).

    Requires: a set of absolute URLs (urljoin), without fragments, of <a> tags only, on the
    page's own host and port; read as HTML (any quotes, any case), written, not the course's.
    """
    page_links = answer(namespace, "page_links", "page_links(html, page_url)")
    advice = "the course's page_links is what exercise 1 asks you to write"
    if page_links is crawler.page_links:
        raise Mistake(f"page_links is the course's own: {advice}")
    refuse_references(page_links, ["helpers.lessons.crawler.page_links"], advice)
    with watchdog.blocking("page_links(html, page_url)"):
        found = page_links(SAMPLE, SAMPLE_PAGE)
    _judge_links(found)
    return passed(f"page_links found the {len(SAMPLE_LINKS)} links of the sample, and no others")


def _judge_statuses(
    statuses: object,
    stats: dict[str, Any],
    expected: Any,
    broken: str,
    workers: int,
    quit_early: int = 0,
) -> None:
    """Raise the Mistake that explains what is wrong with a crawl's {url: status}, given how
    many of the answer's tasks ended while the others still fetched (`quit_early`)."""
    if not isinstance(statuses, dict):
        raise Mistake(f"return the dictionary {{url: status}}, not a {type(statuses).__name__}")
    urls = expected.pages | expected.dead
    if stats["requests"] > len(urls - {broken}):
        raise Mistake(
            f"the server received {stats['requests']} requests for {len(urls) - 1} URLs: "
            "some were fetched twice. Add a link to the seen-set when you queue it, not when you "
            "fetch it: two pages read before it is fetched would both queue it"
        )
    if set(statuses) != urls:
        missing, extra = sorted(urls - set(statuses)), sorted(set(statuses) - urls)
        raise Mistake(f"missing {missing[:3]}, not of the site {extra[:3]}: follow every link")
    if statuses[broken] != "ClientConnectionError":
        raise Mistake(
            f"{broken}'s connection broke, and its status is {statuses[broken]!r}: record "
            "type(exc).__name__, 'ClientConnectionError', for a request that got no answer"
        )
    if {statuses[url] for url in expected.dead - {broken}} != {404}:
        raise Mistake("a dead link's status is 404: record response.status for every URL")
    if stats["max_in_flight"] > workers:
        raise Mistake(
            f"{stats['max_in_flight']} requests in flight with {workers} workers: each worker "
            "fetches one URL at a time, and there are exactly `workers` of them"
        )
    if stats["max_in_flight"] < 2 and quit_early:
        raise Mistake(
            f"never two requests at once: {quit_early} of your worker tasks ended while the "
            "crawl went on. A worker that stops when the queue is empty (`while not "
            "queue.empty()`) quits at the start, when the queue holds the start URL alone: "
            "loop forever on `await queue.get()`, which waits for the next URL, and end the "
            "workers after queue.join()"
        )
    if stats["max_in_flight"] < 2:
        raise Mistake("never two requests at once: start `workers` worker tasks, not one")


@self_check
async def check_crawl_concurrently(namespace: Mapping[str, Any]) -> bool | None:
    """15-capstone-crawler, exercise 2: crawl_concurrently(session, start_url, workers).

    Requires: `workers` tasks on one asyncio.Queue, so at most that many requests in flight and
    at least two; every URL of the site fetched once (seen when queued); a request that gets no
    answer recorded as its exception's name while the crawl carries on (task_done in a
    finally); the workers ended (shutdown or cancel) so that no task is left running; written,
    not the course's crawler.
    """
    crawl_concurrently = answer(
        namespace, "crawl_concurrently", "async def crawl_concurrently(session, start_url, workers)"
    )
    refuse_references(crawl_concurrently, ["helpers.lessons.crawler.crawl"], WRITE_IT)
    workers, pages = 8, 60
    async with SlowServer(latency=0.05, jitter=0.05, seed=SEED, pages=pages) as server:
        expected = expected_crawl(server.url, SEED, pages)
        broken = min(expected.dead)  # a dead link whose connection breaks instead
        faults = FaultyConnections(broken=[broken])
        tasks = TaskRecorder(crawl_concurrently)
        alive: list[int] = []  # how many of the answer's tasks ran at each request

        async def count(*_: Any) -> None:
            alive.append(sum(not task.done() for task in tasks.tasks))

        watch = aiohttp.TraceConfig()
        watch.on_request_start.append(count)
        async with loopback_session(trace_configs=[faults.trace, watch]) as session:
            before = asyncio.all_tasks()
            try:
                with tasks.installed():
                    statuses = await watchdog.finishes(
                        crawl_concurrently(session, f"{server.url}/site/0", workers),
                        f"crawl_concurrently(session, start_url, {workers})",
                        advice="did a worker stop on the failed request without calling "
                        "queue.task_done() (call it in a finally)? Or do the workers still wait in "
                        "queue.get() after join() returned (end them: queue.shutdown() on 3.13+, "
                        "else cancel them)?",
                        function=crawl_concurrently,
                    )
            except Exception as exc:  # the answer's own error, or the watchdog's
                stats = await server_stats(server.url)
                if stats["requests"] > len(expected.pages | expected.dead) - 1:
                    _judge_statuses({}, stats, expected, broken, workers)  # fetched twice
                if isinstance(exc, Mistake):
                    raise  # the watchdog's: the crawl hung, and its message says why
                raise Mistake(
                    f"the crawl raised {exc!r}: a request that got no answer ended a worker, and "
                    "with it the crawl. Catch aiohttp.ClientError around the request, record "
                    "type(exc).__name__ as the URL's status, and call task_done() in a finally"
                ) from None
            left = left_behind(before)
        stats = await server_stats(server.url)
    for task in left:
        task.cancel()
    if left:
        raise Mistake(
            f"{len(left)} tasks still running after crawl_concurrently returned: the workers wait "
            "in queue.get() forever. End them: queue.shutdown() (3.13+) or cancel them"
        )
    quit_early = len(tasks.tasks) - min(alive, default=0)
    _judge_statuses(statuses, stats, expected, broken, workers, quit_early)
    return passed(
        f"{len(statuses)} URLs, each fetched once, up to {stats['max_in_flight']} at once with "
        f"{workers} workers; a broken connection recorded; no task left behind"
    )


async def _acquire_times(bucket: Any, count: int) -> tuple[list[float], list[float]]:
    """When each of `count` callers got its token, and the ticks of a heartbeat beside them."""

    async def take() -> float:
        await bucket.acquire()
        return time.monotonic()

    async def beat() -> None:
        while True:
            ticks.append(time.monotonic())
            await asyncio.sleep(TICK_S)

    ticks: list[float] = []
    beating = asyncio.create_task(beat())
    try:
        return sorted(await asyncio.gather(*(take() for _ in range(count)))), ticks
    finally:
        beating.cancel()


def _judge_loop_free(times: list[float], ticks: list[float], burst: int, when: str) -> None:
    """Raise the Mistake if the heartbeat stood still while callers waited for their tokens."""
    waits = len(times) - burst
    during = sum(times[burst - 1] < tick < times[-1] for tick in ticks)
    if during < MIN_TICKS_PER_WAIT * waits:
        raise Mistake(
            f"{when}a heartbeat beside the callers ticked {during} times while {waits} of them "
            f"waited {times[-1] - times[burst - 1]:.2f} s for their tokens: acquire() blocked the "
            "event loop (time.sleep, or a loop that waits without awaiting), so nothing else "
            "could run. Wait with `await asyncio.sleep(...)`, which lets other tasks run"
        )


def _too_fast(times: list[float], rate: float, burst: int) -> int | None:
    """The first acquisition that came sooner than `rate` with `burst` allows, if any."""
    for i, at in enumerate(times[burst:], start=burst):
        if at - times[0] < (i - burst + 1) / rate - EARLY:
            return i
    return None


def _judge_bucket(times: list[float], rate: float, burst: int, after_pause: bool) -> None:
    """Raise the Mistake that explains how a batch of acquisitions broke the bucket's rule."""
    when = "after a pause, " if after_pause else ""
    if times[burst - 1] - times[0] >= 1 / rate:
        raise Mistake(
            f"{when}the first {burst} callers of a TokenBucket(rate={rate}, burst={burst}) went "
            f"{times[burst - 1] - times[0]:.2f} s apart: "
            + (
                "the tokens earned while idle were lost. Add them on each acquire: "
                "tokens = min(burst, tokens + elapsed * rate)"
                if after_pause
                else "it ignores burst. The bucket starts full, with burst tokens"
            )
        )
    early = _too_fast(times, rate, burst)
    if early is None:
        return
    if after_pause:
        raise Mistake(
            f"after a pause, {early + 1} callers went at once: the bucket banked more than burst="
            f"{burst} tokens. Cap the count: tokens = min(burst, tokens + elapsed * rate)"
        )
    raise Mistake(
        f"caller {early + 1} got a token {times[early] - times[0]:.3f} s after the first: "
        f"{rate} a second allows it after {(early - burst + 1) / rate:.2f} s. Callers that wait "
        "together all see the same empty bucket: serve them one at a time with an asyncio.Lock "
        "held across the sleep"
    )


async def _order_when_late(bucket: Any, burst: int, rate: float) -> list[str]:
    """Who of two callers gets a token first: one waiting for it, or one that comes when it is
    due but before the waiter's timer has fired (late, for a callback held the loop)."""
    order: list[str] = []

    async def take(who: str) -> None:
        await bucket.acquire()
        order.append(who)

    def busy() -> None:
        time.sleep(LATE / rate)  # the loop held, as a slow callback holds it: the token is due
        callers.append(asyncio.create_task(take("the newcomer")))  # runs before the waiter wakes

    for _ in range(burst):
        await bucket.acquire()  # the bucket empty: the next token comes in 1 / rate seconds
    callers = [asyncio.create_task(take("the waiter"))]
    asyncio.get_running_loop().call_soon(busy)  # after the waiter's first step: it waits
    await asyncio.sleep(0)
    await asyncio.gather(*callers)
    return order


@self_check
async def check_token_bucket(namespace: Mapping[str, Any]) -> bool | None:
    """15-capstone-crawler, exercise 3: TokenBucket(rate, burst=1) with a coroutine acquire().

    Requires: a new bucket lets `burst` callers go at once; then no more than `rate` a second,
    even for callers who wait together (a lock held across the sleep); the loop free while
    they wait (a heartbeat keeps ticking: no time.sleep); idle time earns tokens back, but
    never more than `burst`; callers served in order: one that comes when the next token is
    due, while the loop is too busy to wake the caller waiting for it, does not take it first;
    written, not the course's TokenBucket.
    """
    token_bucket = answer(namespace, "TokenBucket", "class TokenBucket(rate, burst=1)")
    if isinstance(token_bucket, type) and issubclass(token_bucket, crawler.TokenBucket):
        raise Mistake(f"TokenBucket is (or extends) the course's own: {WRITE_IT}")
    for method in vars(token_bucket).values() if isinstance(token_bucket, type) else ():
        if inspect.isfunction(method):
            refuse_references(method, ["helpers.lessons.crawler.TokenBucket"], WRITE_IT)
    rate, burst, callers = 10, 3, 7
    advice = (
        "is it rate tokens a second, a sleep of (1 - tokens) / rate? Is a lock taken twice, "
        "once in acquire and again in a method it calls?"
    )
    bucket = token_bucket(rate, burst)
    times, ticks = await watchdog.finishes(
        _acquire_times(bucket, callers), "acquire()", advice=advice, function=token_bucket
    )
    _judge_bucket(times, rate, burst, after_pause=False)
    _judge_loop_free(times, ticks, burst, when="")
    await asyncio.sleep((burst + 3) / rate)  # idle long enough to earn more than burst tokens
    rested, ticks = await watchdog.finishes(
        _acquire_times(bucket, burst + 2), "acquire()", advice=advice, function=token_bucket
    )
    _judge_bucket(rested, rate, burst, after_pause=True)
    _judge_loop_free(rested, ticks, burst, when="after a pause, ")
    order = await watchdog.finishes(
        _order_when_late(token_bucket(rate, burst), burst, rate),
        "acquire()",
        advice=advice,
        function=token_bucket,
    )
    if order[0] != "the waiter":
        raise Mistake(
            "a caller that came while another waited for the next token got it first: acquire() "
            "lets go of the lock while it sleeps, so when the waiter's timer is late (a busy "
            "loop), a newcomer takes the token it waited for, and callers are served out of "
            "order. Hold the asyncio.Lock across the sleep: callers then queue on it, first come, "
            "first served"
        )
    span = times[-1] - times[0]
    return passed(
        f"{callers} tokens in {span:.2f} s: {burst} at once, then {rate} a second, the loop "
        f"free while they waited; after a pause, {burst} at once again and no more; a waiter "
        "served before a newcomer"
    )
