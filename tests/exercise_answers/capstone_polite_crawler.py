"""What 16-capstone-polite-crawler defines before its exercises, and named wrong answers to them."""

import asyncio
import random
import time
from urllib.parse import urldefrag

import aiohttp
from solutions import NotApplicable, WrongAnswer, named, solution

from helpers.exercises.crawlcheck import (
    RequestLog,
    check_crawl,
    expected_crawl,
    loopback_session,
    server_stats,
)
from helpers.lessons.crawler import (
    CRAWL_BURST,
    REQUEST_TIMEOUT,
    RETRY_STATUSES,
    CrawlResult,
    TokenBucket,
    page_links,
)
from helpers.lessons.crawler import crawl as reference_crawl
from helpers.server.process import SlowServer


def notebook_namespace() -> dict:
    """What 16-capstone-polite-crawler's setup defines, and the earlier steps' answers.

    The later steps use the learner's own answers to the earlier ones, which look up the
    notebook's names (REQUEST_TIMEOUT...) when they run: the solutions shown, run here.
    """
    namespace = named(
        *(asyncio, aiohttp, random, time, urldefrag),
        *(RequestLog, check_crawl, expected_crawl, loopback_session, server_stats),
        *(CrawlResult, TokenBucket, page_links, SlowServer),
        CRAWL_BURST=CRAWL_BURST,
        REQUEST_TIMEOUT=REQUEST_TIMEOUT,
        RETRY_STATUSES=RETRY_STATUSES,
        reference_crawl=reference_crawl,
        **{"SEED": 9, "PAGES": 200, "LATENCY": 0.05, "JITTER": 0.05, "ERROR_RATE": 0.1},
        **{"WORKERS": 20, "RATE": 100, "ATTEMPTS": 4, "BACKOFF": 0.05},
    )
    for check in ("check_fetch_with_retries", "check_finish", "check_crawl_worker"):
        exec(solution("capstone_polite_crawler", check), namespace)
    return namespace


# the crawler check on a smaller site, with a shorter deadline: a crawl of a wrong answer that
# does not hang needs a tenth of a second of CPU time
SETTINGS = {"CRAWL_PAGES": 20, "DEADLINE": 0.3}
# the watchdog's patience for the wrong answers, the course's own: a check that does not hang
# must not stall that long even when make test, which runs the tests at the lowest priority,
# starves them of CPU for seconds (only the answers that hang wait it out)
HANG_S = 10.0

_WAIT = "backoff * 2 ** (attempt - 1) * random.uniform(0.5, 1)"
# a worker that sends its request itself, in place of fetch_with_retries
FETCH_ITSELF = (
    "answer, body = await fetch_with_retries(session, url, bucket, attempts, backoff)",
    "await bucket.acquire()\n"
    "            async with session.get(url) as response:\n"
    "                answer = response.status\n"
    "                body = await response.text()",
)

WRONG_ANSWERS = {
    "check_fetch_with_retries": {
        "retries a 404": WrongAnswer.from_solution(
            "answer not in RETRY_STATUSES",
            "answer == 200",
            says=r"was answered 404 and asked again: retry only RETRY_STATUSES",
            kind="half",
        ),
        "a broken connection escapes": WrongAnswer.from_solution(
            "except (aiohttp.ClientError, TimeoutError) as exc:",
            "except TimeoutError as exc:",
            says=r"ClientConnectionError escaped fetch_with_retries",
            kind="half",
        ),
        "one token per URL, none for its retries": WrongAnswer.from_solution(
            "        await bucket.acquire()\n",
            "        if not attempt:\n            await bucket.acquire()\n",
            says=r"tokens taken for \d+ requests: await bucket\.acquire\(\) before every attempt",
            kind="other",
        ),
        "no backoff": WrongAnswer.from_solution(
            _WAIT,
            "0",
            says=r"the wait before retry 1 was 0\.00 x backoff",
            kind="other",
        ),
        "no jitter": WrongAnswer.from_solution(
            _WAIT,
            "backoff * 2 ** (attempt - 1)",
            says=r"no jitter\. Clients that failed together then retry together",
            kind="luck",
        ),
        "the same jitter for every URL (a generator seeded per wait)": WrongAnswer.from_solution(
            _WAIT,
            "backoff * 2 ** (attempt - 1) * random.Random(attempt).uniform(0.5, 1)",
            says=r"the same jitter for every URL, so they still retry in step",
            kind="structure",
        ),
        "one jitter per URL, drawn before its retries": WrongAnswer.from_solution(
            _WAIT,
            "backoff * 2 ** (attempt - 1) * factor",
            says=r"waited the same factor .* before every retry: one jitter per URL",
            kind="structure",
        ).also(
            "    for attempt in range(attempts):\n",
            "    factor = random.uniform(0.5, 1)\n    for attempt in range(attempts):\n",
        ),
        "no time limit per request": WrongAnswer.from_solution(
            "session.get(url, timeout=REQUEST_TIMEOUT)",
            "session.get(url)",
            says=r"still waiting after .*pass timeout=REQUEST_TIMEOUT to session\.get",
            kind="hang",
        ),
        "the course's fetch_with_retries, imported": WrongAnswer(
            """
from helpers.lessons.crawler import fetch_with_retries as course_fetch


async def fetch_with_retries(session, url, bucket, attempts, backoff):
    return await course_fetch(session, url, bucket, attempts, backoff)
""",
            says=r"the answer calls helpers\.lessons\.crawler\.fetch_with_retries",
            kind="bypass",
        ),
    },
    "check_finish": {
        "waits for the queue only": WrongAnswer(
            """
async def finish(queue, workers, timeout):
    try:
        async with asyncio.timeout(timeout):
            await queue.join()
        return False
    except TimeoutError:
        return True
    finally:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
""",
            says=r"still waiting after .*every worker died, and queue\.join\(\) waits forever",
            kind="hang",
        ),
        "the deadline's TimeoutError let through": WrongAnswer.from_solution(
            "        return not done  # nothing done: the deadline came first\n",
            "        if not done:\n            raise TimeoutError\n        return False\n",
            says=r"the deadline raised TimeoutError out of finish",
            kind="half",
        ),
        "workers not cancelled": WrongAnswer.from_solution(
            "for task in (finished, *workers):",
            "for task in (finished,):",
            says=r"\d tasks still running after finish returned: cancel the workers",
            kind="half",
        ).also("await asyncio.gather(finished, *workers,", "await asyncio.gather(finished,"),
        "a dead worker's error swallowed": WrongAnswer.from_solution(
            "            task.result()",
            "            task.exception()",
            says=r"every worker died of RuntimeError\('a worker crashed'\) and finish gave False",
            kind="half",
        ),
        "an empty queue taken for a finished one": WrongAnswer.from_solution(
            "        return not done  # nothing done: the deadline came first\n",
            "        return not queue.empty()\n",
            says=r"finish returned False at the deadline, with the queue empty but its last items",
            kind="luck",
        ),
        "waits for everything, not the first to finish": WrongAnswer.from_solution(
            "timeout=timeout, return_when=asyncio.FIRST_COMPLETED",
            "timeout=timeout",
            says=r"still waiting after .*return_when=asyncio\.FIRST_COMPLETED",
            kind="structure",
        ),
        "the course's finish, imported": WrongAnswer(
            """
from helpers.lessons.crawler import finish as course_finish


async def finish(queue, workers, timeout):
    return await course_finish(queue, workers, timeout)
""",
            says=r"the answer calls helpers\.lessons\.crawler\.finish",
            kind="bypass",
        ),
    },
    "check_crawl_worker": {
        "dies of a broken connection": WrongAnswer.from_solution(
            *FETCH_ITSELF,
            says=r"a worker stopped: it raised ClientConnectionError\(.*survives a failed request",
            kind="half",
        ),
        "seen when fetched, not when queued": WrongAnswer.from_solution(
            "                    if link not in result.found:  # result.found is the seen-set\n"
            "                        result.found.add(link)\n"
            "                        queue.put_nowait(link)\n",
            "                    if link not in result.fetched:\n"
            "                        result.found.add(link)\n"
            "                        queue.put_nowait(link)\n",
            says=r"add each new link to result\.found when you queue it",
            kind="structure",
        ),
        "the seen-set read but never filled": WrongAnswer.from_solution(
            "                        result.found.add(link)\n",
            "",
            says=r"/site/\d+ was requested again after it was answered: add each new link to "
            r"result\.found \(it still holds the start URL alone\) when you queue it",
            kind="other",
        ),
        "task_done skipped when a request fails": WrongAnswer.from_solution(
            "        finally:\n            queue.task_done()\n",
            "        except aiohttp.ClientError:\n            continue\n"
            "        queue.task_done()\n",
            says=r"still waiting after .*call it in a finally",
            kind="hang",
        ).also(*FETCH_ITSELF),
        "task_done after the work, not in a finally": WrongAnswer(
            """
async def crawl_worker(session, queue, bucket, result, attempts, backoff, progress=None):
    while True:
        url = await queue.get()
        answer, body = await fetch_with_retries(session, url, bucket, attempts, backoff)
        if answer == 200:
            result.fetched.add(url)
            for link in sorted(page_links(body, url)):
                if link not in result.found:
                    result.found.add(link)
                    queue.put_nowait(link)
        else:
            result.failed[url] = answer
        queue.task_done()
        if progress is not None:
            progress(len(result.fetched) + len(result.failed), len(result.found))
""",
            says=r"still waiting after .*call queue\.task_done\(\) in a finally",
            kind="hang",
        ),
        "returns when the queue is empty for a moment": WrongAnswer.from_solution(
            "        url = await queue.get()\n",
            "        if queue.empty():\n            return\n        url = await queue.get()\n",
            says=r"a worker returned: it must loop forever",
            kind="luck",
        ),
        "no progress reported": WrongAnswer.from_solution(
            "        if progress is not None:\n"
            "            progress(len(result.fetched) + len(result.failed), len(result.found))\n",
            "",
            says=r"progress was called 0 times for \d+ URLs",
            kind="other",
        ),
        "the course's worker, imported": WrongAnswer(
            """
from helpers.lessons.crawler import crawl_worker as course_worker


async def crawl_worker(session, queue, bucket, result, attempts, backoff, progress=None):
    await course_worker(session, queue, bucket, result, attempts, backoff, progress)
""",
            says=r"the answer calls helpers\.lessons\.crawler\.crawl_worker",
            kind="bypass",
        ),
    },
    "check_crawler": {
        "a token bucket per worker": WrongAnswer.from_solution(
            "crawl_worker(session, queue, bucket, result, attempts, backoff, progress)",
            "crawl_worker(\n                session, queue, TokenBucket(rate, CRAWL_BURST), "
            "result, attempts, backoff, progress\n            )",
            says=r"\d+ TokenBuckets gave the crawl its tokens, 100 a second each: make one",
            kind="structure",
        ),
        "the deadline never passed on": WrongAnswer.from_solution(
            "await finish(queue, tasks, timeout)",
            "await finish(queue, tasks, None)",
            says=r"crawl with timeout=0\.3 was still waiting after .*pass timeout on to finish",
            kind="half",
        ),
        "what finish returns dropped: timed_out never set": WrongAnswer.from_solution(
            "result.timed_out = await finish(queue, tasks, timeout)",
            "await finish(queue, tasks, timeout)",
            says=r"with timeout=0\.3 the crawl returned timed_out=False, though it could not",
            kind="half",
        ),
        "wait_for around join, the workers cancelled but not awaited": WrongAnswer.from_solution(
            "        result.timed_out = await finish(queue, tasks, timeout)\n",
            "        await asyncio.wait_for(queue.join(), timeout)\n"
            "        for task in tasks:\n            task.cancel()\n",
            says=r"\d+ tasks still running after crawl returned, \d+ of them cancelled: cancel\(\) "
            r"only asks a task to stop\. Await them too, as finish",
            kind="structure",
        ),
        "wait_for around join: the deadline raises": WrongAnswer.from_solution(
            "        result.timed_out = await finish(queue, tasks, timeout)\n    finally:\n",
            "        await asyncio.wait_for(queue.join(), timeout)\n"
            "    finally:\n"
            "        for task in tasks:\n            task.cancel()\n"
            "        await asyncio.gather(*tasks, return_exceptions=True)\n",
            says=r"crawl with timeout=0\.3 raised TimeoutError: a deadline that raises loses "
            r"everything the crawl had fetched",
            kind="half",
        ),
        "progress not passed on to the workers": WrongAnswer.from_solution(
            "attempts, backoff, progress)",
            "attempts, backoff)",
            says=r"pass progress on to the workers",
            kind="other",
        ),
        "the start URL's fragment kept": WrongAnswer.from_solution(
            "    start_url = urldefrag(start_url).url\n",
            "",
            says=r"drop the start URL's #fragment with urldefrag",
            kind="luck",
        ),
        "the workers gathered: they never end": WrongAnswer.from_solution(
            "result.timed_out = await finish(queue, tasks, timeout)",
            "await asyncio.gather(*tasks)",
            says=r"crawl was still waiting after",
            kind="hang",
        ),
        "the course's crawler, wrapped": WrongAnswer(
            """
async def crawl(session, start_url, *, workers, rate, attempts, backoff, timeout, progress=None):
    return await reference_crawl(
        session, start_url, workers=workers, rate=rate, attempts=attempts, backoff=backoff,
        timeout=timeout, progress=progress,
    )
""",
            says=r"the answer calls helpers\.lessons\.crawler\.crawl",
            kind="bypass",
        ),
    },
}


# Kinds that no wrong answer here covers, with the reason they do not apply (issue 23).
NOT_APPLICABLE: NotApplicable = {}
