"""What 10-capstone defines before its exercises, and named wrong answers to them."""

import asyncio
import itertools
import random
import re
import time
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import aiohttp
from solutions import WrongAnswer

from helpers.exercises.crawlcheck import RequestLog, expected_crawl, loopback_session, server_stats
from helpers.lessons.backpressure import ToyCrawl, pipeline, toy_crawl, toy_links
from helpers.lessons.crawler import (
    CRAWL_BURST,
    RETRY_STATUSES,
    CrawlQueue,
    CrawlResult,
    TokenBucket,
    crawl_worker,
    fetch_with_retries,
    finish,
    page_links,
)
from helpers.server.process import SlowServer


def notebook_namespace() -> dict:
    """What 10-capstone defines before its exercises, and the earlier steps' answers."""
    return {
        **{module.__name__: module for module in (asyncio, itertools, random, re, time)},
        "aiohttp": aiohttp,
        "deque": deque,
        "HTMLParser": HTMLParser,
        "urldefrag": urldefrag,
        "urljoin": urljoin,
        "urlsplit": urlsplit,
        "RequestLog": RequestLog,
        "expected_crawl": expected_crawl,
        "loopback_session": loopback_session,
        "server_stats": server_stats,
        "CRAWL_BURST": CRAWL_BURST,
        "RETRY_STATUSES": RETRY_STATUSES,
        "CrawlResult": CrawlResult,
        "ReferenceCrawlQueue": CrawlQueue,
        "ToyCrawl": ToyCrawl,
        "pipeline": pipeline,
        "toy_crawl": toy_crawl,
        "toy_links": toy_links,
        "SlowServer": SlowServer,
        # what the exercises before each step define: the course's own answers
        "page_links": page_links,
        "CrawlQueue": CrawlQueue,
        "TokenBucket": TokenBucket,
        "fetch_with_retries": fetch_with_retries,
        "finish": finish,
        "crawl_worker": crawl_worker,
    }


WRONG_ANSWERS = {
    "check_page_links": {
        "keeps the #fragment": WrongAnswer.from_solution(
            "urldefrag(urljoin(page_url, href)).url",
            "urljoin(page_url, href)",
            says=r"keep their #fragment.*urldefrag",
            kind="other",
        ),
        "relative links not resolved": WrongAnswer.from_solution(
            "    links = {urldefrag(urljoin(page_url, href)).url for href in parser.hrefs}\n"
            "    return {link for link in links if urlsplit(link)[:2] == origin}",
            "    return {urldefrag(href).url for href in parser.hrefs if '//' not in href}",
            says=r"holds links as written: resolve each against the page with urljoin",
            kind="other",
        ),
        "the host compared without its port": WrongAnswer.from_solution(
            "urlsplit(link)[:2] == origin}",
            "urlsplit(link).hostname == urlsplit(page_url).hostname}",
            says=r"127\.0\.0\.1:9 is another server on the same machine: compare the host \*and\* "
            r"port",
            kind="luck",
        ),
        "links to other sites kept": WrongAnswer.from_solution(
            " if urlsplit(link)[:2] == origin}",
            "}",
            says=r"a link to example\.invalid is another site",
            kind="other",
        ),
    },
    "check_crawl_concurrently": {
        "seen when fetched, not when queued": WrongAnswer.from_solution(
            "if link not in seen:\n"
            + " " * 32
            + "seen.add(link)  # seen when queued, not when fetched\n",
            "if link not in statuses:\n",
            says=r"some were fetched twice\. Add a link to the seen-set when you queue it",
            kind="structure",
        ),
        "workers left waiting in queue.get()": WrongAnswer.from_solution(
            "    try:\n        await queue.join()\n    finally:\n        for task in tasks:\n"
            "            task.cancel()\n"
            "        await asyncio.gather(*tasks, return_exceptions=True)\n",
            "    await queue.join()\n",
            says=r"\d+ tasks still running after crawl_concurrently returned.*Cancel them",
            kind="half",
        ),
        "a task per URL, unbounded": WrongAnswer(
            """
async def crawl_concurrently(session, start_url, workers):
    statuses, seen = {}, {start_url}

    async def visit(url):
        async with session.get(url) as response:
            statuses[url] = response.status
            if response.status == 200:
                links = page_links(await response.text(), url) - seen
                seen.update(links)
                await asyncio.gather(*(visit(link) for link in links))

    await visit(start_url)
    return statuses
""",
            says=r"\d+ requests in flight with 8 workers",
            kind="structure",
        ),
    },
    "check_crawl_queue": {
        "no bound: maxsize not passed on": WrongAnswer.from_solution(
            "super().__init__(maxsize)",
            "super().__init__()",
            says=r"maxsize is 0: pass maxsize on to super\(\).__init__\(maxsize\)",
            kind="structure",
        ),
        "put_nowait left to the plain queue": WrongAnswer.from_solution(
            "        self.frontier.append(item)\n        self._refill()\n",
            "        super().put_nowait(item)\n",
            says=r"put_nowait raised QueueFull at item 4 of 10: keep what does not fit",
            kind="other",
        ),
        "the frontier never refilled": WrongAnswer.from_solution(
            "        self._refill()  # first: join() must not see zero while the frontier "
            "holds items\n",
            "",
            says=r"the queue ran empty after 3 of 10 items.*in task_done, move frontier items",
            kind="other",
        ),
        "refilled after the count drops": WrongAnswer.from_solution(
            "        self._refill()  # first: join() must not see zero while the frontier "
            "holds items\n        super().task_done()\n",
            "        super().task_done()\n        self._refill()\n",
            says=r"queue.join\(\) returned while a URL still waited in the frontier.*\*before\*",
            kind="other",
        ),
        "the frontier as a stack": WrongAnswer.from_solution(
            "self.frontier.popleft()",
            "self.frontier.pop()",
            says=r"first in, first out\. Take the oldest link from the frontier with popleft\(\)",
            kind="other",
        ),
        "put left to the plain queue, which waits": WrongAnswer.from_solution(
            "    async def put(self, item) -> None:\n        self.put_nowait(item)  # never "
            "wait: the workers are the queue's only consumers\n\n",
            "",
            says=r"await queue.put\(item\) waited on a full queue.*deadlock",
            kind="hang",
        ),
    },
    "check_token_bucket": {
        "ignores burst": WrongAnswer.from_solution(
            "self._tokens = float(burst)",
            "self._tokens = 1.0",
            says=r"it ignores burst\. The bucket starts full",
            kind="other",
        ).also("min(self.burst,", "min(1,"),
        "no lock: waiters all see the same empty bucket": WrongAnswer.from_solution(
            "        async with self._lock:",
            "        if True:",
            says=r"serve them one at a time with an asyncio\.Lock held across the sleep",
            kind="structure",
        ),
        "banks more than burst tokens": WrongAnswer.from_solution(
            "min(self.burst, self._tokens + (now - self._updated) * self.rate)",
            "self._tokens + (now - self._updated) * self.rate",
            says=r"banked more than burst=3 tokens\. Cap the count",
            kind="other",
        ),
    },
    "check_fetch_with_retries": {
        "retries a 404": WrongAnswer.from_solution(
            "answer not in RETRY_STATUSES",
            "answer == 200",
            says=r"a 404 \(or a 200\) was asked again\. Retry only RETRY_STATUSES",
            kind="other",
        ),
        "a broken connection escapes": WrongAnswer.from_solution(
            "except (aiohttp.ClientError, asyncio.TimeoutError) as exc:",
            "except asyncio.TimeoutError as exc:",
            says=r"ClientConnectionError escaped fetch_with_retries",
            kind="half",
        ),
        "one token per URL, none for its retries": WrongAnswer.from_solution(
            "        await bucket.acquire()\n",
            "        if not attempt:\n            await bucket.acquire()\n",
            says=r"await bucket\.acquire\(\) before every attempt, retries too",
            kind="other",
        ),
        "no backoff": WrongAnswer.from_solution(
            "backoff * 2 ** (attempt - 1) * random.uniform(0.5, 1)",
            "0",
            says=r"retry \d of .* came [\d.]+ s after the attempt before it",
            kind="other",
        ),
    },
    "check_finish": {
        "waits for the queue only": WrongAnswer(
            """
async def finish(queue, workers, timeout):
    try:
        await asyncio.wait_for(queue.join(), timeout)
        return False
    except asyncio.TimeoutError:
        return True
    finally:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
""",
            says=r"finish did not finish in 5 s: every worker died, and queue\.join\(\) waits "
            r"forever",
            kind="hang",
        ),
        "the deadline's TimeoutError let through": WrongAnswer.from_solution(
            "        return not done  # nothing done: the deadline came first\n",
            "        if not done:\n            raise asyncio.TimeoutError\n        return False\n",
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
    },
    "check_crawl_worker": {
        "dies of a broken connection": WrongAnswer.from_solution(
            "answer, body = await fetch_with_retries(session, url, bucket, attempts, backoff)",
            "await bucket.acquire()\n"
            "            async with session.get(url) as response:\n"
            "                answer = response.status\n"
            "                body = await response.text()",
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
            says=r"requests for \d+ pages: add each new link to result\.found when you queue it",
            kind="structure",
        ),
        "task_done skipped when a request fails": WrongAnswer.from_solution(
            "        finally:\n            queue.task_done()\n",
            "        except ValueError:\n            pass\n        queue.task_done()\n",
            says=r"queue\.join\(\) did not return in 10 s: call queue\.task_done\(\)",
            kind="hang",
        ).also(
            "            else:\n                result.failed[url] = answer\n",
            "            else:\n                continue\n",
        ),
    },
    "check_crawler": {
        "a token bucket per worker": WrongAnswer.from_solution(
            "crawl_worker(session, queue, bucket, result, attempts, backoff, progress)",
            "crawl_worker(session, queue, TokenBucket(rate, CRAWL_BURST), result, attempts, "
            "backoff, progress)",
            says=r"\d+ requests started within one second, for a rate of 100: make one "
            r"TokenBucket",
            kind="structure",
        ),
        "the deadline never passed on": WrongAnswer.from_solution(
            "await finish(queue, tasks, timeout)",
            "await finish(queue, tasks, None)",
            says=r"with timeout=1\.0 the crawl returned timed_out=False",
            kind="half",
        ),
        "progress not passed on to the workers": WrongAnswer.from_solution(
            "attempts, backoff, progress)",
            "attempts, backoff)",
            says=r"pass progress on to the workers",
            kind="other",
        ),
    },
}


# Kinds that no wrong answer here covers, with the reason they do not apply (issue 23).
NOT_APPLICABLE: dict[str, dict[str, str]] = {}
