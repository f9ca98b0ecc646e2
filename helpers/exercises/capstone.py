"""Self-checks for the exercises of notebook 10-capstone, one per step of the crawler.

The checks watch the learner's code from the outside with `crawlcheck`: the server's
own counts (`/stats`), a log of every request the session sent, the pages the generated site is
known to have. Time enters only as lower bounds that a busy machine cannot break (`asyncio.sleep`
wakes early by at most the clock's resolution, which EARLY allows for, so a rate limit can only
make things slower) and as generous guards that turn a hang into a message.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Iterable, Mapping
from types import SimpleNamespace
from typing import Any

import aiohttp

from helpers.exercises import Mistake, answer, crawlcheck, passed
from helpers.exercises.crawlcheck import RequestLog, expected_crawl, loopback_session
from helpers.exercises.crawlcheck import server_stats as _stats
from helpers.lessons.backpressure import ToyCrawl, toy_crawl, toy_links
from helpers.lessons.crawler import CRAWL_BURST, CrawlResult, TokenBucket
from helpers.server.process import SlowServer

SEED = 9
HANG = 20.0  # seconds after which a check calls a crawl hung: far beyond any right answer
WORKER_HANG = 10.0  # the same for 3 workers on 30 pages, which a right answer crawls in 1 s
FINISH_HANG = 5.0  # the same for finish() on toy workers, which a right answer ends in 0.2 s
DEADLINE = 1.0  # seconds: the crawl needs 2.4 s or more at 100 requests a second
EARLY = 0.02  # seconds a timer may fire early (Windows' clock ticks every 15.6 ms)

SAMPLE_PAGE = "http://127.0.0.1:8000/site/7"
SAMPLE = (
    '<ul><li><a href="/site/1">one</a><li><a href="2">two</a><li><a href="/site/3#links">three</a>'
    '<li><a href="/site/900">gone</a><li><a href="http://example.invalid/site/4">away</a>'
    '<li><a href="http://127.0.0.1:9/site/5">another port</a><li><a href="/site/1">one again</a>'
    '<li><a name="top">an anchor, not a link</a><li><a href="mailto:me@example.invalid">mail</a>'
    "</ul>"
)
SAMPLE_LINKS = {f"http://127.0.0.1:8000/site/{n}" for n in (1, 2, 3, 900)}


def check_page_links(namespace: Mapping[str, Any]) -> bool | None:
    """10-capstone, exercise 1: page_links(html, page_url), absolute, same host, no fragment."""
    page_links = answer(namespace, "page_links", "page_links(html, page_url)")
    if page_links is None:
        return None
    found = page_links(SAMPLE, SAMPLE_PAGE)
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
    if found != SAMPLE_LINKS:
        raise Mistake(f"expected {sorted(SAMPLE_LINKS)}, got {sorted(found)}")
    return passed(f"page_links found the {len(SAMPLE_LINKS)} links of the sample, and no others")


async def _guarded(awaitable: Any, what: str, advice: str, seconds: float = HANG) -> Any:
    """Await the learner's coroutine; a Mistake if it hangs (its own TimeoutError passes)."""
    task = asyncio.ensure_future(awaitable)
    done, _ = await asyncio.wait([task], timeout=seconds)
    if not done:
        task.cancel()
        await asyncio.wait([task], timeout=1.0)  # an answer may swallow the cancellation
        raise Mistake(f"{what} did not finish in {seconds:.0f} s: {advice}")
    return task.result()


def _left_behind(before: set[asyncio.Task[Any]]) -> set[asyncio.Task[Any]]:
    return {task for task in asyncio.all_tasks() - before if not task.done()}


async def check_crawl_concurrently(namespace: Mapping[str, Any]) -> bool | None:
    """10-capstone, exercise 2: crawl_concurrently(session, start_url, workers) with a pool."""
    crawl_concurrently = answer(
        namespace, "crawl_concurrently", "async def crawl_concurrently(session, start_url, workers)"
    )
    if crawl_concurrently is None:
        return None
    workers, pages = 8, 60
    async with (
        SlowServer(latency=0.05, jitter=0.05, seed=SEED, pages=pages) as server,
        loopback_session() as session,
    ):
        before = asyncio.all_tasks()
        statuses = await _guarded(
            crawl_concurrently(session, f"{server.url}/site/0", workers),
            "crawl_concurrently",
            "call queue.task_done() once for every queue.get(), in a finally, and return after "
            "await queue.join()",
        )
        left = _left_behind(before)
        stats = await _stats(server.url)
        expected = expected_crawl(server.url, SEED, pages)
    for task in left:
        task.cancel()
    if left:
        raise Mistake(
            f"{len(left)} tasks still running after crawl_concurrently returned: the workers wait "
            "in queue.get() forever. Cancel them, and await them, in a finally"
        )
    if not isinstance(statuses, dict):
        raise Mistake(f"return the dictionary {{url: status}}, not a {type(statuses).__name__}")
    urls = expected.pages | expected.dead
    if stats["requests"] > len(set(statuses)):
        raise Mistake(
            f"the server received {stats['requests']} requests for {len(statuses)} URLs: some "
            "were fetched twice. Add a link to the seen-set when you queue it, not when you fetch "
            "it: two pages read before it is fetched would both queue it"
        )
    if set(statuses) != urls:
        missing, extra = sorted(urls - set(statuses)), sorted(set(statuses) - urls)
        raise Mistake(f"missing {missing[:3]}, not of the site {extra[:3]}: follow every link")
    if {statuses[url] for url in expected.dead} != {404}:
        raise Mistake("a dead link's status is 404: record response.status for every URL")
    if stats["max_in_flight"] > workers:
        raise Mistake(
            f"{stats['max_in_flight']} requests in flight with {workers} workers: each worker "
            "fetches one URL at a time, and there are exactly `workers` of them"
        )
    if stats["max_in_flight"] < 2:
        raise Mistake("never two requests at once: start `workers` worker tasks, not one")
    return passed(
        f"{len(statuses)} URLs, each fetched once, up to {stats['max_in_flight']} at once with "
        f"{workers} workers, and no task left behind"
    )


async def _toy_worker(queue: asyncio.Queue[int], crawl: ToyCrawl) -> None:
    """A crawl worker of the toy site that queues links with put_nowait."""
    while True:
        page = await queue.get()
        try:
            await asyncio.sleep(0.002)  # fetch the page
            crawl.fetched.append(page)
            for link in toy_links(page, crawl.pages):
                if link not in crawl.seen:
                    crawl.seen.add(link)
                    queue.put_nowait(link)
                    crawl.note_depth(queue)
        finally:
            queue.task_done()


async def check_crawl_queue(namespace: Mapping[str, Any]) -> bool | None:
    """10-capstone, exercise 3: CrawlQueue(maxsize), bounded, whose put never waits."""
    crawl_queue = answer(namespace, "CrawlQueue", "class CrawlQueue(asyncio.Queue)")
    if crawl_queue is None:
        return None
    bound, items = 3, 10
    queue = crawl_queue(bound)
    if queue.maxsize != bound:
        raise Mistake(
            f"CrawlQueue({bound}).maxsize is {queue.maxsize}: pass maxsize on to "
            "super().__init__(maxsize), or the queue has no bound"
        )
    try:
        for item in range(items):
            queue.put_nowait(item)
    except asyncio.QueueFull as exc:
        raise Mistake(
            f"put_nowait raised QueueFull at item {item + 1} of {items}: keep what does not fit "
            "in self.frontier (a deque), and move it into the queue as room appears"
        ) from exc
    if queue.qsize() > bound:
        raise Mistake(f"{queue.qsize()} items in a queue of maxsize={bound}: the bound is ignored")
    taken = []
    for _ in range(items):
        try:
            taken.append(queue.get_nowait())
        except asyncio.QueueEmpty as exc:
            raise Mistake(
                f"the queue ran empty after {len(taken)} of {items} items, with the rest still "
                "in the frontier: in task_done, move frontier items into the queue while it "
                "has room"
            ) from exc
        queue.task_done()
    if taken != list(range(items)):
        raise Mistake(
            f"items came out in the order {taken}: first in, first out. Take the oldest link "
            "from the frontier with popleft(), not pop()"
        )
    queue = crawl_queue(1)
    queue.put_nowait("a")
    queue.put_nowait("b")  # no room: it waits in the frontier
    joined = asyncio.ensure_future(queue.join())
    try:
        await asyncio.sleep(0)
        queue.get_nowait()
        queue.task_done()  # "a" is done, and "b" is still to do
        for _ in range(3):
            await asyncio.sleep(0)
        if joined.done():
            raise Mistake(
                "queue.join() returned while a URL still waited in the frontier: in task_done, "
                "refill the queue *before* super().task_done(), which wakes join() when its "
                "count reaches zero"
            )
        try:
            await asyncio.wait_for(queue.put("c"), 1.0)
        except TimeoutError as exc:
            raise Mistake(
                "await queue.put(item) waited on a full queue: a worker that calls it is the "
                "deadlock of the section. Make put do what put_nowait does"
            ) from exc
    finally:
        joined.cancel()
        await asyncio.gather(joined, return_exceptions=True)
    pages = 120
    crawl = await toy_crawl(_toy_worker, crawl_queue(bound), workers=3, pages=pages, timeout=5.0)
    if not crawl.finished or sorted(crawl.fetched) != list(range(pages)):
        raise Mistake(
            f"a crawl of {pages} toy pages with 3 workers fetched {len(set(crawl.fetched))} "
            f"pages (finished: {crawl.finished}): every link queued must be fetched once"
        )
    if crawl.max_depth > bound:
        raise Mistake(f"the crawl's queue held {crawl.max_depth} URLs, beyond maxsize={bound}")
    return passed(
        f"{items} items through a queue of {bound}, in order; join() waited for the frontier; "
        f"3 workers crawled {pages} toy pages with at most {crawl.max_depth} URLs queued"
    )


async def _acquire_times(bucket: Any, count: int) -> list[float]:
    async def take() -> float:
        await bucket.acquire()
        return time.monotonic()

    return sorted(await asyncio.gather(*(take() for _ in range(count))))


def _too_fast(times: list[float], rate: float, burst: int) -> int | None:
    """The first acquisition that came sooner than `rate` with `burst` allows, if any."""
    for i, at in enumerate(times[burst:], start=burst):
        if at - times[0] < (i - burst + 1) / rate - EARLY:
            return i
    return None


async def check_token_bucket(namespace: Mapping[str, Any]) -> bool | None:
    """10-capstone, exercise 4: TokenBucket(rate, burst) with a coroutine method acquire()."""
    token_bucket = answer(namespace, "TokenBucket", "class TokenBucket(rate, burst=1)")
    if token_bucket is None:
        return None
    rate, burst, callers = 10, 3, 7
    advice = "is rate tokens a second, a sleep of 1 / rate per missing token?"
    bucket = token_bucket(rate, burst)
    fresh = await _guarded(_acquire_times(bucket, callers), "acquire", advice)
    if fresh[burst - 1] - fresh[0] >= 1 / rate:
        raise Mistake(
            f"a new TokenBucket(rate={rate}, burst={burst}) let the first {burst} callers go "
            f"{fresh[burst - 1] - fresh[0]:.2f} s apart: it ignores burst. The bucket starts full, "
            "with burst tokens, so that many go at once"
        )
    early = _too_fast(fresh, rate, burst)
    if early is not None:
        raise Mistake(
            f"caller {early + 1} of {callers} got a token {fresh[early] - fresh[0]:.3f} s after "
            f"the first: {rate} a second allows it after {(early - burst + 1) / rate:.2f} s. "
            "Callers that wait together all see the same empty bucket: serve them one at a time "
            "with an asyncio.Lock held across the sleep"
        )
    await asyncio.sleep((burst + 3) / rate)  # idle long enough to earn more than burst tokens
    rested = await _guarded(_acquire_times(bucket, burst + 2), "acquire", advice)
    early = _too_fast(rested, rate, burst)
    if early is not None:
        raise Mistake(
            f"after a pause, {early + 1} callers went at once: the bucket banked more than burst="
            f"{burst} tokens. Cap the count: tokens = min(burst, tokens + elapsed * rate)"
        )
    span = fresh[-1] - fresh[0]
    return passed(f"{callers} tokens in {span:.2f} s: {burst} at once, then {rate} a second")


class _CountingBucket:
    """A token bucket that counts its acquisitions."""

    def __init__(self, rate: float) -> None:
        self.bucket = TokenBucket(rate, CRAWL_BURST)
        self.acquired = 0

    async def acquire(self) -> None:
        await self.bucket.acquire()
        self.acquired += 1


class _BrokenConnections:
    """A TraceConfig that fails every request to some URLs before it is sent, as a reset would."""

    def __init__(self, urls: Iterable[str]) -> None:
        self.urls = set(urls)
        self.attempts = 0
        self.trace = aiohttp.TraceConfig()
        self.trace.on_request_start.append(self._fail)

    async def _fail(self, session: Any, context: SimpleNamespace, params: Any) -> None:
        if str(params.url) in self.urls:
            self.attempts += 1
            raise aiohttp.ClientConnectionError(f"connection reset while fetching {params.url}")


async def check_fetch_with_retries(namespace: Mapping[str, Any]) -> bool | None:
    """10-capstone, exercise 5: fetch_with_retries(session, url, bucket, attempts, backoff)."""
    fetch_with_retries = answer(
        namespace,
        "fetch_with_retries",
        "async def fetch_with_retries(session, url, bucket, attempts, backoff)",
    )
    if fetch_with_retries is None:
        return None
    attempts, backoff, pages = 6, 0.05, 200
    log = RequestLog()
    async with SlowServer(latency=0.02, error_rate=0.5, seed=SEED, pages=pages) as server:
        broken_url = f"{server.url}/site/12"
        broken = _BrokenConnections([broken_url])
        # the log first: a request refused by a later trace config still reaches the log
        async with loopback_session(trace_configs=[log.trace, broken.trace]) as session:
            urls = [f"{server.url}/site/{n}" for n in range(12)] + [f"{server.url}/site/{pages}"]
            bucket = _CountingBucket(rate=100)
            try:
                answers = await _guarded(
                    asyncio.gather(
                        *(
                            fetch_with_retries(session, url, bucket, attempts, backoff)
                            for url in [*urls, broken_url]
                        )
                    ),
                    "fetch_with_retries",
                    "is the backoff in seconds, and is there a last attempt?",
                )
            except aiohttp.ClientError as exc:
                raise Mistake(
                    f"{type(exc).__name__} escaped fetch_with_retries: a request that got no "
                    "answer is worth retrying. Catch aiohttp.ClientError and asyncio.TimeoutError, "
                    "and after the last attempt return (type(exc).__name__, '')"
                ) from exc
            stats = await _stats(server.url)
    statuses = [got for got, _ in answers[: len(urls)]]
    if statuses[-1] != 404 or stats["requests"] - stats["errors"] > len(urls):
        raise Mistake(
            f"the server answered {stats['requests'] - stats['errors']} requests without an "
            f"error for {len(urls)} URLs: a 404 (or a 200) was asked again. Retry only "
            "RETRY_STATUSES and lost answers: a 404 will not heal"
        )
    if statuses[:-1] != [200] * 12:
        raise Mistake(
            f"answers {statuses}: with {attempts} attempts every page of this seed gets through. "
            "Return the last status, and retry 500 and 503"
        )
    if not all(f"<title>Site page {n}<" in body for n, (_, body) in enumerate(answers[:12])):
        raise Mistake("after a 200, return the page's text: (200, await response.text())")
    if answers[-1] != ("ClientConnectionError", "") or broken.attempts != attempts:
        raise Mistake(
            f"a URL whose connection always breaks gave {answers[-1]!r} after {broken.attempts} "
            f"attempts: expected ('ClientConnectionError', '') after {attempts}"
        )
    if bucket.acquired != stats["requests"] + broken.attempts:
        raise Mistake(
            f"{bucket.acquired} tokens taken for {stats['requests'] + broken.attempts} requests: "
            "await bucket.acquire() before every attempt, retries too"
        )
    for url in urls:
        starts = [request.start for request in log.requests if request.url == url]
        for k, (earlier, later) in enumerate(itertools.pairwise(starts), start=1):
            wait = 0.5 * backoff * 2 ** (k - 1)
            if later - earlier < wait - EARLY:
                raise Mistake(
                    f"retry {k} of {url} came {later - earlier:.3f} s after the attempt before "
                    f"it: wait backoff * 2 ** (k - 1) * random.uniform(0.5, 1), at least "
                    f"{wait:.3f} s"
                )
    retried = stats["errors"]
    return passed(f"{len(urls) + 1} URLs, {retried} injected errors retried with backoff, 404 not")


def _recorder() -> tuple[Callable[[int, int], None], list[tuple[int, int]]]:
    calls: list[tuple[int, int]] = []
    return lambda done, found: calls.append((done, found)), calls


async def check_crawl_worker(namespace: Mapping[str, Any]) -> bool | None:
    """10-capstone, exercise 7: crawl_worker takes URLs from the queue and survives ClientError."""
    crawl_worker = answer(
        namespace,
        "crawl_worker",
        "async def crawl_worker(session, queue, bucket, result, attempts, backoff, progress)",
    )
    if crawl_worker is None:
        return None
    workers, pages = 3, 30
    async with SlowServer(latency=0.02, seed=SEED, pages=pages) as server:
        expected = expected_crawl(server.url, SEED, pages)
        broken = _BrokenConnections(expected.dead)  # every dead link: a connection that breaks
        async with loopback_session(trace_configs=[broken.trace]) as session:
            start = f"{server.url}/site/0"
            result, queue = CrawlResult(found={start}), asyncio.Queue[str]()
            queue.put_nowait(start)
            progress, calls = _recorder()
            bucket = TokenBucket(1000, CRAWL_BURST)
            tasks = [
                asyncio.create_task(crawl_worker(session, queue, bucket, result, 2, 0.01, progress))
                for _ in range(workers)
            ]
            joined = asyncio.create_task(queue.join())
            try:
                done, _ = await asyncio.wait(
                    [joined, *tasks], timeout=WORKER_HANG, return_when=asyncio.FIRST_COMPLETED
                )
            finally:
                for task in (joined, *tasks):
                    task.cancel()
                await asyncio.gather(joined, *tasks, return_exceptions=True)
            stats = await _stats(server.url)
    for task in done - {joined}:
        error = task.exception()
        raise Mistake(
            f"a worker stopped: it raised {error!r}. A worker loops forever and survives a failed "
            "request: fetch with fetch_with_retries, which turns an aiohttp.ClientError into "
            "an answer, and record it in result.failed"
            if error is not None
            else "a worker returned: it must loop forever, taking the next URL from the queue"
        )
    if not done:
        raise Mistake(
            f"queue.join() did not return in {WORKER_HANG:.0f} s: call queue.task_done() for every "
            "queue.get(), in a finally"
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
    broken_urls = {url: "ClientConnectionError" for url in expected.dead}
    if result.failed != broken_urls:
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
        f"{len(broken_urls)} broken connections and reported progress {len(calls)} times"
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
    """Run the learner's finish on 3 toy workers and 6 queued items: its outcome, the workers."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for item in range(6):
        queue.put_nowait(item)
    workers = [asyncio.create_task(_take_and(action, queue)) for _ in range(3)]
    advice = {
        "crash": "every worker died, and queue.join() waits forever for task_done() calls that "
        "nobody is left to make. Wait for the workers too: asyncio.wait([joined, *workers], "
        "timeout=timeout, return_when=asyncio.FIRST_COMPLETED), and re-raise a dead one's "
        "exception",
        "hang": "give asyncio.wait (or asyncio.timeout) the timeout",
        "finish": "wait for queue.join()",
    }[action]
    before = asyncio.all_tasks()
    try:
        outcome = await _guarded(finish(queue, workers, timeout), "finish", advice, FINISH_HANG)
    except Mistake:
        raise
    except Exception as exc:  # the outcome to judge: a worker's error, or the learner's own
        outcome = exc
    finally:
        left = _left_behind(before) | {worker for worker in workers if not worker.done()}
        for task in left:
            task.cancel()
        await asyncio.gather(*left, return_exceptions=True)
    if left:
        raise Mistake(
            f"{len(left)} tasks still running after finish returned: cancel the workers, and "
            "anything finish started such as a task for queue.join(), in a finally; then await them"
        )
    return outcome, workers


async def check_finish(namespace: Mapping[str, Any]) -> bool | None:
    """10-capstone, exercise 6: finish(queue, workers, timeout) ends a crawl in every case."""
    finish = answer(namespace, "finish", "async def finish(queue, workers, timeout)")
    if finish is None:
        return None
    outcome, _ = await _finish_with(finish, "finish", None)
    if outcome is not False:
        raise Mistake(f"finish returned {outcome!r} when the queue finished: return False")
    began = time.monotonic()
    outcome, workers = await _finish_with(finish, "hang", 0.2)
    waited = time.monotonic() - began
    if isinstance(outcome, asyncio.TimeoutError):
        raise Mistake(
            "the deadline raised TimeoutError out of finish, and a crawl that gets it loses "
            "everything it fetched: catch it (or use asyncio.wait) and return True"
        )
    if outcome is not True:
        raise Mistake(f"finish returned {outcome!r} at the deadline: return True (timed out)")
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


async def check_crawler(namespace: Mapping[str, Any]) -> bool | None:
    """10-capstone, exercise 8: crawl(...) from the pieces, within both limits and the deadline."""
    crawl = answer(
        namespace,
        "crawl",
        "async def crawl(session, start_url, *, workers, rate, attempts, backoff, timeout, "
        "progress=None)",
    )
    if crawl is None:
        return None
    pages, workers, rate = 200, 20, 100
    server = SlowServer(latency=0.05, jitter=0.05, error_rate=0.1, seed=SEED, pages=pages)
    options = {"workers": workers, "rate": rate, "attempts": 4, "backoff": 0.05}
    log = RequestLog()
    progress, calls = _recorder()
    async with server, loopback_session(trace_configs=[log.trace]) as session:
        before = asyncio.all_tasks()
        advice = "is `finish` waiting for a queue that nobody works on?"
        result = await _guarded(
            crawl(session, f"{server.url}/site/0", **options, timeout=HANG, progress=progress),
            "crawl",
            advice,
        )
        stats = await _stats(server.url)
        expected = expected_crawl(server.url, SEED, pages)
        partial = await _guarded(
            crawl(session, f"{server.url}/site/0", **options, timeout=DEADLINE), "crawl", advice
        )
        left = _left_behind(before)
    if left:
        raise Mistake(f"{len(left)} tasks still running after crawl returned: cancel the workers")
    if not isinstance(result, CrawlResult):
        raise Mistake(f"return a CrawlResult, not a {type(result).__name__}")
    problems = crawlcheck.check_crawl(result, expected)
    if problems:
        raise Mistake("; ".join(problems))
    if stats["requests"] - stats["errors"] != len(expected.pages | expected.dead):
        raise Mistake("every URL must be answered once (plus retries): is one seen-set shared?")
    if stats["max_in_flight"] > workers:
        raise Mistake(f"{stats['max_in_flight']} requests at once: start exactly `workers` workers")
    busiest = log.busiest(seconds=1)
    if busiest > rate * 1.1 + CRAWL_BURST:
        raise Mistake(
            f"{busiest} requests started within one second, for a rate of {rate}: make one "
            "TokenBucket(rate, CRAWL_BURST) and give the same bucket to every worker"
        )
    if not calls or calls[-1] != (len(result.found), len(result.found)):
        raise Mistake("pass progress on to the workers, which call progress(done, found)")
    if not partial.timed_out or not expected.pages > partial.fetched > set():
        raise Mistake(
            f"with timeout={DEADLINE} the crawl returned timed_out={partial.timed_out} and "
            f"{len(partial.fetched)} pages: at {rate} requests a second it cannot finish; set "
            "result.timed_out from finish, and keep what was fetched"
        )
    return passed(
        f"{len(result.fetched)} pages fetched once each, {len(result.failed)} dead links "
        f"reported, at most {stats['max_in_flight']} in flight and {busiest} in a second; with a "
        f"{DEADLINE:g} s deadline, {len(partial.fetched)} pages kept"
    )
