"""Run and judge the learner's crawls, for 16-capstone-polite-crawler's checks of the workers
and of the whole crawler.

The verdicts come from counts, never from how fast the crawl went: the server's own counts, the
request log, the token buckets the crawl made (`BucketRecorder`) and its progress calls judge
the full crawl; the crawl with a deadline meets a server that answers its start page only
(`HeldRequests`), so that nothing but the deadline can end it, however fast or slow the machine.
`crawl_once` runs one crawl under the watchdog (put off while the crawl makes progress: slow is
not hung) and cancels any task it left running; `swapped` sets a name of the learner's namespace
for a while (the requests' time limit, made patient). `run_workers` and `join_after_a_fault`
run exercise 3's workers: on the whole site, and once more with an error they did not expect.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

from helpers.exercises import Mistake, watchdog
from helpers.exercises.crawlcheck import (
    BucketRecorder,
    ExpectedCrawl,
    FaultyConnections,
    HeldRequests,
    ProgressRecorder,
    Refetches,
    RequestLog,
    check_crawl,
    left_behind,
    loopback_session,
)
from helpers.lessons.crawler import CRAWL_BURST, CrawlResult, TokenBucket
from helpers.server.process import SlowServer

AHEAD = 2  # requests the log may run ahead of a token bucket's line: it notes each one late


async def crawl_once(
    crawl: Any,
    what: str,
    advice: str,
    activity: Callable[[], object] | None,
    *args: Any,
    **kwargs: Any,
) -> Any:
    """Await crawl(*args, **kwargs) under the watchdog, which `activity` (requests answered, say)
    puts off while it moves; it may not raise TimeoutError, and no task it started may outlive
    it (one cancelled but not awaited is named as such)."""
    before = asyncio.all_tasks()
    try:
        result = await watchdog.finishes(
            crawl(*args, **kwargs), what, advice=advice, function=crawl, activity=activity
        )
    except TimeoutError:
        raise Mistake(
            f"{what} raised TimeoutError: a deadline that raises loses everything the crawl had "
            "fetched. End the crawl with finish(queue, tasks, timeout) from exercise 2, which "
            "returns True at the deadline, and set result.timed_out from it"
        ) from None
    finally:
        left = left_behind(before)
        cancelled = sum(task.cancelling() > 0 for task in left)  # asked to stop, not awaited
        for task in left:
            task.cancel()
        await asyncio.gather(*left, return_exceptions=True)
    if cancelled:
        raise Mistake(
            f"{len(left)} tasks still running after crawl returned, {cancelled} of them "
            "cancelled: cancel() only asks a task to stop. Await them too, as finish(queue, "
            "tasks, timeout) from exercise 2 does, so that they are done when crawl returns"
        )
    if left:
        raise Mistake(f"{len(left)} tasks still running after crawl returned: cancel the workers")
    return result


@contextmanager
def swapped(namespace: MutableMapping[str, Any], name: str, value: Any) -> Iterator[None]:
    """Set namespace[name] to value while the block runs, if the name is there; then put it back."""
    if name not in namespace:
        yield
        return
    before, namespace[name] = namespace[name], value
    try:
        yield
    finally:
        namespace[name] = before


def judge_buckets(used: list[Any], log: RequestLog, rate: float) -> None:
    """One token bucket gave every token, and the requests kept to its rate."""
    if len(used) > 1:
        raise Mistake(
            f"{len(used)} TokenBuckets gave the crawl its tokens, {rate} a second each: make "
            "one TokenBucket(rate, CRAWL_BURST) and give the same bucket to every worker"
        )
    ahead = log.ahead_of(rate, CRAWL_BURST)  # buckets made some other way are not recorded
    if ahead > AHEAD:
        raise Mistake(
            f"the requests ran {ahead:.0f} ahead of what {rate} a second allows: make "
            "one TokenBucket(rate, CRAWL_BURST) and give the same bucket to every worker"
        )


def judge_crawl(
    result: Any,
    expected: ExpectedCrawl,
    stats: dict[str, Any],
    seen: tuple[RequestLog, BucketRecorder, ProgressRecorder],
    workers: int,
    rate: float,
) -> None:
    """Raise the Mistake that explains what the full crawl got wrong, from counts alone."""
    log, buckets, progress = seen
    if not isinstance(result, CrawlResult):
        raise Mistake(f"return a CrawlResult, not a {type(result).__name__}")
    problems = check_crawl(result, expected)
    kept = sorted(url for url in result.found if "#" in url)
    if kept:
        problems.append(f"found {kept}: drop the start URL's #fragment with urldefrag")
    if problems:
        raise Mistake("; ".join(problems))
    if stats["requests"] - stats["errors"] != len(expected.pages | expected.dead):
        raise Mistake("every URL must be answered once (plus retries): is one seen-set shared?")
    if stats["max_in_flight"] > workers:
        raise Mistake(f"{stats['max_in_flight']} requests at once: start exactly `workers` workers")
    judge_buckets(buckets.used(), log, rate)
    urls = len(result.found)
    if not progress.calls or progress.calls[-1] != (urls, urls):
        raise Mistake("pass progress on to the workers, which call progress(done, found)")


def judge_partial(partial: Any, held: HeldRequests, start: str, deadline: float) -> None:
    """Raise the Mistake that explains what the crawl with a deadline got wrong."""
    if not isinstance(partial, CrawlResult):
        raise Mistake(f"return a CrawlResult, not a {type(partial).__name__}")
    if not partial.timed_out:
        raise Mistake(
            f"with timeout={deadline:g} the crawl returned timed_out=False, though it could not "
            "finish (the check held back every request after the start page's): set "
            "result.timed_out from what finish returns"
        )
    if held.held and start not in partial.fetched:  # its links were asked for: it was fetched
        raise Mistake(
            f"with timeout={deadline:g} the crawl returned {len(partial.fetched)} pages, though "
            "it had fetched the start page: keep what was fetched, in the result the workers fill"
        )


async def run_workers(
    crawl_worker: Any, server: SlowServer, broken: set[str], workers: int
) -> tuple[CrawlResult, list[tuple[int, int]], set[asyncio.Task[Any]], str | None]:
    """Run the learner's workers on one queue until it finishes, a worker stops or a URL is asked
    for again: the result, the progress calls, the workers that stopped, the URL asked again."""
    faults = FaultyConnections(broken=broken)  # every dead link: a connection that breaks
    refetches = Refetches()  # a crawl that fetches pages again may never end: stop it then
    async with loopback_session(trace_configs=[faults.trace, refetches.trace]) as session:
        start = f"{server.url}/site/0"
        result, queue = CrawlResult(found={start}), asyncio.Queue[str]()
        queue.put_nowait(start)
        progress = ProgressRecorder()
        bucket = TokenBucket(1000, CRAWL_BURST)
        tasks = [
            asyncio.create_task(crawl_worker(session, queue, bucket, result, 2, 0.01, progress))
            for _ in range(workers)
        ]
        joined = asyncio.create_task(queue.join())
        again = asyncio.create_task(refetches.noticed.wait())
        try:
            done, _ = await watchdog.finishes(
                asyncio.wait([joined, again, *tasks], return_when=asyncio.FIRST_COMPLETED),
                "your workers' crawl",
                advice="queue.join() waits for a task_done() for every queue.get(): call it in "
                "a finally, so that a failed URL is counted done too",
                function=crawl_worker,
            )
        finally:
            for task in (joined, again, *tasks):
                task.cancel()
            await asyncio.gather(joined, again, *tasks, return_exceptions=True)
    return result, progress.calls, done - {joined, again}, refetches.again


async def join_after_a_fault(
    crawl_worker: Any, namespace: MutableMapping[str, Any], server: SlowServer, workers: int
) -> None:
    """Run the workers once more, with a fetch_with_retries that raises on the start page: the
    worker that meets it may die, but queue.join() must still return (task_done in a finally)."""
    start, fetch = f"{server.url}/site/0", namespace.get("fetch_with_retries")
    if fetch is None:
        return

    async def faulty_fetch(session: Any, url: str, *args: Any, **kwargs: Any) -> Any:
        if url == start:
            raise RuntimeError("an error the worker did not expect")
        return await fetch(session, url, *args, **kwargs)

    async with loopback_session() as session:
        result, queue = CrawlResult(found={start}), asyncio.Queue[str]()
        queue.put_nowait(start)
        bucket = TokenBucket(1000, CRAWL_BURST)
        with swapped(namespace, "fetch_with_retries", faulty_fetch):
            tasks = [
                asyncio.create_task(crawl_worker(session, queue, bucket, result, 2, 0.01))
                for _ in range(workers)
            ]
            try:
                await watchdog.finishes(
                    queue.join(),
                    "queue.join(), after fetch_with_retries raised RuntimeError on the start page",
                    advice="the worker that met the error never called task_done() for its URL: "
                    "call queue.task_done() in a finally, so that a URL is counted done "
                    "whatever happens to it",
                    function=crawl_worker,
                )
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
