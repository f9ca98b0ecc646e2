"""Self-checks for the exercises of notebook 16-capstone-polite-crawler, one per step.

The checks watch the learner's code from the outside with `crawlcheck`: the server's own counts
(`/stats`), a log of every request the session sent, faults injected on chosen URLs (a broken
connection, a request that never gets an answer), the waits the code asked `asyncio.sleep`
for, the token buckets it made, and the pages the generated site is known to have. Time enters
only as lower bounds that a busy machine cannot break: the crawler check's deadline meets a
server that answers one page only (`crawljudge`). Every call of the learner's code runs under
the watchdog.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import time
from collections.abc import Mapping, MutableMapping
from typing import Any
from urllib.parse import urldefrag

import aiohttp

from helpers.exercises import Mistake, answer, crawlcheck, passed, self_check, watchdog
from helpers.exercises.bypass import refuse_references
from helpers.exercises.crawlcheck import (
    EARLY,
    SEED,
    WRITE_IT,
    BucketRecorder,
    CountingBucket,
    FaultyConnections,
    HeldRequests,
    ProgressRecorder,
    RequestLog,
    expected_crawl,
    left_behind,
    loopback_session,
    server_stats,
)
from helpers.exercises.crawljudge import (
    crawl_once,
    join_after_a_fault,
    judge_crawl,
    judge_partial,
    run_workers,
    swapped,
)
from helpers.exercises.recorders import SleepRecorder
from helpers.lessons.crawler import CRAWL_BURST, TokenBucket
from helpers.server.process import SlowServer

STALL_S = 0.3  # the request timeout the retries check sets, for a request nothing answers
CRAWL_PAGES = 200  # the site the crawler check crawls; the tests of wrong answers use fewer
DEADLINE = 1.0  # seconds: the crawl with a deadline meets a server that answers one page only
WORKERS, RATE = 20, 100  # the crawler check's pool and rate limit
# the crawler check's patience with a request (REQUEST_TIMEOUT while it runs), and every check's
# with its server's start: a starved machine must not fail a page, nor a check, for no mistake
PATIENT = aiohttp.ClientTimeout(total=60.0)
START_S = 60.0
HELD_BACK = (
    "the check answered only the start page and held back every later request, so only the "
    "deadline could end this crawl: pass timeout on to finish"
)


@self_check
async def check_fetch_with_retries(namespace: MutableMapping[str, Any]) -> bool | None:
    """16-capstone-polite-crawler, exercise 1: fetch_with_retries(session, url, bucket, ...).

    Requires: a token before every attempt; each request limited by REQUEST_TIMEOUT; retries
    only for RETRY_STATUSES and requests with no answer (ClientError, TimeoutError), up to
    `attempts`, returning the last answer (the exception's name if none came) and the text
    after a 200; before retry k, a wait of backoff * 2 ** (k - 1) * uniform(0.5, 1), with a
    factor drawn for each wait; written, not the course's.
    """
    fetch = answer(
        namespace,
        "fetch_with_retries",
        "async def fetch_with_retries(session, url, bucket, attempts, backoff)",
    )
    refuse_references(fetch, ["helpers.lessons.crawler.fetch_with_retries"], WRITE_IT)
    attempts, backoff, pages = 3, 0.1, 200
    log, sleeps, bucket = (
        RequestLog(),
        SleepRecorder(fetch),
        CountingBucket(TokenBucket(1000, CRAWL_BURST)),
    )
    slow = SlowServer(latency=0.02, error_rate=0.5, seed=SEED, pages=pages, start_timeout=START_S)
    request_timeout = namespace.get("REQUEST_TIMEOUT")
    namespace["REQUEST_TIMEOUT"] = aiohttp.ClientTimeout(total=STALL_S)
    try:
        async with slow as server:
            urls = [f"{server.url}/site/{n}" for n in [*range(24), pages]]  # pages, a dead link
            broken, stalled = f"{server.url}/site/24", f"{server.url}/site/25"
            faults = FaultyConnections(broken=[broken], stalled=[stalled])
            # the log first: a request a later trace config fails still reaches the log
            async with loopback_session(trace_configs=[log.trace, faults.trace]) as session:
                with sleeps.installed(namespace):
                    tasks = {
                        asyncio.ensure_future(fetch(session, url, bucket, attempts, backoff)): url
                        for url in [*urls, broken, stalled]
                    }
                    answers = await watchdog.finishes(
                        asyncio.gather(*tasks),
                        "fetch_with_retries",
                        advice="a request that never gets an answer waits forever unless it "
                        "has a time limit: pass timeout=REQUEST_TIMEOUT to session.get",
                        function=fetch,
                    )
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise Mistake(
            f"{type(exc).__name__} escaped fetch_with_retries: a request that got no answer is "
            "worth retrying. Catch aiohttp.ClientError and TimeoutError, and after the last "
            "attempt return (type(exc).__name__, '')"
        ) from exc
    finally:
        namespace["REQUEST_TIMEOUT"] = request_timeout
    for url, name in ((broken, "ClientConnectionError"), (stalled, "TimeoutError")):
        got = answers[-2 if url == broken else -1]
        if got != (name, "") or faults.attempts[url] != attempts:
            raise Mistake(
                f"a URL whose requests always end in {name} gave {got!r} after "
                f"{faults.attempts[url]} attempts: expected ({name!r}, '') after {attempts}"
            )
    crawlcheck.judge_attempts(urls, answers[: len(urls)], log, attempts)
    if bucket.acquired != len(log.requests):
        raise Mistake(
            f"{bucket.acquired} tokens taken for {len(log.requests)} requests: await "
            "bucket.acquire() before every attempt, retries too"
        )
    waits = [sleeps.by_task().get(task, []) for task in tasks]
    tries = [sum(request.url == url for request in log.requests) for url in tasks.values()]
    if any(len(mine) != made - 1 for mine, made in zip(waits, tries, strict=True)):
        raise Mistake(
            "wait with asyncio.sleep once before each retry, and not before the first attempt "
            "or after the last"
        )
    crawlcheck.judge_backoff([mine for mine in waits if mine], backoff)
    retried = sum(made - 1 for made in tries)
    return passed(
        f"{len(tasks)} URLs, {retried} retries after waits with jitter; a 404 not retried; "
        "a broken connection and a request nobody answered given up after 3 attempts"
    )


async def _take_and(action: str, queue: asyncio.Queue[int]) -> None:
    """A toy worker: take items and finish them, hang on them, or crash."""
    while True:
        await queue.get()
        if action == "crash":
            raise RuntimeError("a worker crashed")
        await asyncio.sleep(0.01 if action == "finish" else 3600)
        queue.task_done()


async def _finish_with(finish: Any, action: str, timeout: float | None) -> tuple[Any, list]:
    """Run the learner's finish on 3 toy workers: its outcome, and the workers.

    The queue holds 6 items, but only 3 when the workers hang: each holds one at the deadline,
    so the queue is empty while the work is not done.
    """
    queue: asyncio.Queue[int] = asyncio.Queue()
    for item in range(3 if action == "hang" else 6):
        queue.put_nowait(item)
    workers = [asyncio.create_task(_take_and(action, queue)) for _ in range(3)]
    advice = {
        "crash": "every worker died, and queue.join() waits forever for task_done() calls that "
        "nobody is left to make. Wait for the workers too: asyncio.wait([joined, *workers], "
        "timeout=timeout, return_when=asyncio.FIRST_COMPLETED), and re-raise a dead one's "
        "exception",
        "hang": "give asyncio.wait (or asyncio.timeout) the timeout",
        "finish": "wait until the queue's join() finishes or a worker stops, whichever comes "
        "first (return_when=asyncio.FIRST_COMPLETED): the workers themselves never finish",
    }[action]
    before = asyncio.all_tasks()
    try:
        outcome = await watchdog.finishes(
            finish(queue, workers, timeout), "finish", advice=advice, function=finish
        )
    except Mistake:
        raise
    except Exception as exc:  # the outcome to judge: a worker's error, or the learner's own
        outcome = exc
    finally:
        left = left_behind(before) | {worker for worker in workers if not worker.done()}
        for task in left:
            task.cancel()
        await asyncio.gather(*left, return_exceptions=True)
    if left:
        raise Mistake(
            f"{len(left)} tasks still running after finish returned: cancel the workers, and "
            "anything finish started such as a task for queue.join(), in a finally; then await "
            "them, so that they are done when finish returns"
        )
    return outcome, workers


@self_check
async def check_finish(namespace: Mapping[str, Any]) -> bool | None:
    """16-capstone-polite-crawler, exercise 2: finish(queue, workers, timeout).

    Requires: False when the queue finishes; True at the deadline, even when the queue is empty
    because the workers hold the last items; a dead worker's exception raised at once; the
    workers and anything finish started cancelled and awaited in every case; written, not the
    course's.
    """
    finish = answer(namespace, "finish", "async def finish(queue, workers, timeout)")
    refuse_references(finish, ["helpers.lessons.crawler.finish"], WRITE_IT)
    outcome, _ = await _finish_with(finish, "finish", None)
    if outcome is not False:
        raise Mistake(f"finish returned {outcome!r} when the queue finished: return False")
    began = time.monotonic()
    outcome, workers = await _finish_with(finish, "hang", 0.2)
    waited = time.monotonic() - began
    if isinstance(outcome, TimeoutError):
        raise Mistake(
            "the deadline raised TimeoutError out of finish, and a crawl that gets it loses "
            "everything it fetched: catch it (or use asyncio.wait) and return True"
        )
    if outcome is not True:
        raise Mistake(
            f"finish returned {outcome!r} at the deadline, with the queue empty but its last "
            "items still being worked on: return True when the deadline came before join() "
            "finished (whether the queue is empty says nothing: the workers hold the last items)"
        )
    if waited < 0.2 - EARLY:
        raise Mistake(f"finish returned after {waited:.2f} s, before the deadline of 0.2 s")
    if not all(worker.cancelled() for worker in workers):
        raise Mistake("at the deadline, cancel the workers: they were still working")
    outcome, _ = await _finish_with(finish, "crash", None)
    if not (isinstance(outcome, RuntimeError) and str(outcome) == "a worker crashed"):
        raise Mistake(
            f"every worker died of RuntimeError('a worker crashed') and finish gave {outcome!r}: "
            "re-raise the dead worker's exception (task.result() raises it), so that a bug is "
            "seen instead of a crawl that ends quietly"
        )
    return passed(
        "finish returned False when the queue finished, True at the deadline, raised a dead "
        "worker's error at once, and left no task running"
    )


@self_check
async def check_crawl_worker(namespace: MutableMapping[str, Any]) -> bool | None:
    """16-capstone-polite-crawler, exercise 3: crawl_worker(session, queue, bucket, result, ...).

    Requires: a loop that never ends on its own, taking URLs from the queue; each fetched once
    with fetch_with_retries, which turns a failed request into an answer, so a worker survives
    it; results in result.fetched or result.failed; new links added to result.found (the
    seen-set) when queued; task_done in a finally (a second run raises an error inside the
    worker, on the start page); progress(done, found) after each URL.
    """
    crawl_worker = answer(
        namespace,
        "crawl_worker",
        "async def crawl_worker(session, queue, bucket, result, attempts, backoff, progress)",
    )
    refuse_references(crawl_worker, ["helpers.lessons.crawler.crawl_worker"], WRITE_IT)
    workers, pages = 3, 30
    async with SlowServer(latency=0.02, seed=SEED, pages=pages, start_timeout=START_S) as server:
        expected = expected_crawl(server.url, SEED, pages)
        result, calls, stopped, again = await run_workers(
            crawl_worker, server, set(expected.dead), workers
        )
        stats = await server_stats(server.url)
        if not stopped and again is None:  # the workers survived what fetch_with_retries handles
            await join_after_a_fault(crawl_worker, namespace, server, workers)
    if again is not None:
        never = " (it still holds the start URL alone)" if len(result.found) == 1 else ""
        raise Mistake(
            f"{again} was requested again after it was answered: add each new link to "
            f"result.found{never} when you queue it, and queue only links not in it"
        )
    for task in stopped:
        error = task.exception()
        raise Mistake(
            f"a worker stopped: it raised {error!r}. A worker loops forever and survives a failed "
            "request: fetch with fetch_with_retries, which turns an aiohttp.ClientError into "
            "an answer, and record it in result.failed"
            if error is not None
            else "a worker returned: it must loop forever, taking the next URL from the queue "
            "(await queue.get() waits for one), even when the queue is empty for a moment"
        )
    if stats["requests"] > len(expected.pages):
        raise Mistake(
            f"the server received {stats['requests']} requests for {len(expected.pages)} pages: "
            "add each new link to result.found when you queue it, and queue only links not in it"
        )
    if result.fetched != expected.pages:
        raise Mistake(
            f"result.fetched holds {len(result.fetched)} of the site's {len(expected.pages)} "
            "pages: add each URL answered 200, and queue the links of its page"
        )
    if result.failed != dict.fromkeys(expected.dead, "ClientConnectionError"):
        raise Mistake(
            f"result.failed is {dict(itertools.islice(result.failed.items(), 3))}...: every "
            "dead link's connection broke, so each must map to 'ClientConnectionError'"
        )
    if result.found != expected.pages | expected.dead:
        raise Mistake("result.found must hold every URL queued, the start URL included")
    urls = len(result.found)
    if len(calls) != urls or calls[-1] != (urls, urls):
        raise Mistake(
            f"progress was called {len(calls)} times for {urls} URLs, last with "
            f"{calls[-1] if calls else None}: call progress(done, found) after each URL"
        )
    return passed(
        f"{workers} workers fetched {len(result.fetched)} pages once each, survived "
        f"{len(expected.dead)} broken connections and reported progress {len(calls)} times; "
        "with an error raised on the start page, the queue still finished"
    )


@self_check
async def check_crawler(namespace: MutableMapping[str, Any]) -> bool | None:
    """16-capstone-polite-crawler, exercise 4: crawl(session, start_url, *, workers, rate, ...).

    Requires: the start URL without its fragment; `workers` workers on one queue, sharing one
    seen-set and one TokenBucket(rate, CRAWL_BURST); progress passed on; finish with the
    timeout, so that a deadline returns a partial result marked timed out; no task left
    running; written, not the course's crawler. The full crawl is judged from counts (the
    server's, the log's, the buckets made); the crawl with a deadline meets a server that
    answers only its start page, so that the deadline ends it however fast or slow the machine.
    """
    crawl = answer(
        namespace,
        "crawl",
        "async def crawl(session, start_url, *, workers, rate, attempts, backoff, timeout, "
        "progress=None)",
    )
    refuse_references(crawl, ["helpers.lessons.crawler.crawl"], WRITE_IT)
    site: dict[str, Any] = {"seed": SEED, "pages": CRAWL_PAGES, "start_timeout": START_S}
    options = {"workers": WORKERS, "rate": RATE, "attempts": 4, "backoff": 0.05}
    log, progress, buckets = RequestLog(), ProgressRecorder(), BucketRecorder()
    full = {**options, "timeout": 60, "progress": progress}
    partly = {**options, "timeout": DEADLINE}
    advice = (
        "do the workers all wait in queue.put() on a full queue (notebook 15 §4's deadlock)? "
        "Does finish wait for a queue that nobody works on?"
    )
    with swapped(namespace, "REQUEST_TIMEOUT", PATIENT):
        async with SlowServer(latency=0.05, jitter=0.05, error_rate=0.1, **site) as server:
            start = f"{server.url}/site/0#top"  # the fragment is not part of the page's URL
            async with loopback_session(trace_configs=[log.trace]) as session:
                with buckets.installed(namespace):
                    answered = functools.partial(len, log.requests)  # progress, not a hang
                    result = await crawl_once(
                        crawl, "crawl", advice, answered, session, start, **full
                    )
            stats = await server_stats(server.url)
            expected = expected_crawl(server.url, SEED, CRAWL_PAGES)
            judge_crawl(result, expected, stats, (log, buckets, progress), WORKERS, RATE)
            held = HeldRequests(through=[urldefrag(start).url])
            what = f"crawl with timeout={DEADLINE:g}"
            async with loopback_session(trace_configs=[held.trace]) as session:
                partial = await crawl_once(crawl, what, HELD_BACK, None, session, start, **partly)
    judge_partial(partial, held, urldefrag(start).url, DEADLINE)
    return passed(
        f"{len(result.fetched)} pages fetched once each, {len(result.failed)} dead links "
        f"reported, at most {stats['max_in_flight']} in flight and within {RATE} a "
        f"second; with a {DEADLINE:g} s deadline, what it had fetched, marked timed out"
    )
