"""What 15-capstone-crawler defines before its exercises, and named wrong answers to them."""

import asyncio
import linecache
import re
import statistics
import time
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import aiohttp
from solutions import WrongAnswer, named, template

from helpers.exercises.crawlcheck import RequestLog, expected_crawl, loopback_session, server_stats
from helpers.lessons.backpressure import ToyCrawl, pipeline, toy_crawl, toy_links
from helpers.lessons.crawler import QUEUE_SHUT_DOWN, end_workers, page_links
from helpers.lessons.crawler import crawl as reference_crawl
from helpers.measure.show import show_source
from helpers.measure.timing import Stopwatch
from helpers.server.process import SlowServer

# the watchdog's patience for the wrong answers: a crawl of 60 pages that does not hang must end
# within it even when make test, which runs the tests at the lowest priority, starves them of CPU
# for seconds (2 s was not enough: a wrong answer was then named a hang)
HANG_S = 6.0


def notebook_namespace() -> dict:
    """What 15-capstone-crawler's setup defines, and exercise 1's answer for exercise 2."""
    return named(
        *(asyncio, aiohttp, linecache, re, statistics, time),
        *(deque, HTMLParser, urldefrag, urljoin, urlsplit),
        *(RequestLog, expected_crawl, loopback_session, server_stats),
        *(
            ToyCrawl,
            pipeline,
            toy_crawl,
            toy_links,
            end_workers,
            show_source,
            Stopwatch,
            SlowServer,
        ),
        page_links,  # exercise 1's answer, which exercise 2 uses
        QUEUE_SHUT_DOWN=QUEUE_SHUT_DOWN,
        reference_crawl=reference_crawl,
        reference_page_links=page_links,
        **{"SEED": 9, "PAGES": 200, "LATENCY": 0.05, "JITTER": 0.05, "WORKERS": 20, "RATE": 100},
    )


_LINKS = "    links = {urldefrag(urljoin(page_url, href)).url for href in parser.hrefs}\n"
# the shown solution's worker, once it has a URL
_WORKER_BODY = """            try:
                async with session.get(url) as response:
                    statuses[url] = response.status
                    if response.status == 200:
                        for link in sorted(page_links(await response.text(), url)):
                            if link not in seen:
                                seen.add(link)  # seen when queued, not when fetched
                                queue.put_nowait(link)
            except aiohttp.ClientError as exc:
                statuses[url] = type(exc).__name__  # no answer came
            finally:
                queue.task_done()
"""
# crawl_concurrently with workers that wait in queue.get() for ever, as learners write it (no
# type hints): each wrong answer fills in what a worker does with a URL, then how the crawl ends
crawling = template("""
async def crawl_concurrently(session, start_url, workers):
    statuses, seen = {}, {start_url}
    queue = asyncio.Queue()
    queue.put_nowait(start_url)

    async def worker():
        while True:
            url = await queue.get()
            ...

    tasks = [asyncio.create_task(worker()) for _ in range(workers)]
    ...
    return statuses
""")
# TokenBucket's constructor as learners write it: each wrong answer fills in the rest
bucket = template("""
class TokenBucket:
    def __init__(self, rate, burst=1):
        self.rate, self.burst = rate, burst
        self._tokens, self._updated = float(burst), time.monotonic()
        self._lock = asyncio.Lock()

    ...
""")

WRONG_ANSWERS = {
    "check_page_links": {
        "keeps the #fragment": WrongAnswer.from_solution(
            "urldefrag(urljoin(page_url, href)).url",
            "urljoin(page_url, href)",
            says=r"keep their #fragment.*urldefrag",
            kind="other",
        ),
        "relative links not resolved": WrongAnswer.from_solution(
            _LINKS + "    return {link for link in links if urlsplit(link)[:2] == origin}",
            "    return {urldefrag(href).url for href in parser.hrefs if '//' not in href}",
            says=r"holds links as written: resolve each against the page with urljoin",
            kind="half",
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
        "a regular expression for double-quoted hrefs": WrongAnswer(
            """
def page_links(html, page_url):
    origin = urlsplit(page_url)[:2]
    hrefs = re.findall(r'<a [^>]*href="([^"]*)"', html)
    links = {urldefrag(urljoin(page_url, href)).url for href in hrefs}
    return {link for link in links if urlsplit(link)[:2] == origin}
""",
            says=r"missed .*/site/6.*/site/8.*HTMLParser reads both",
            kind="luck",
        ),
        "the href of every tag, <link> too": WrongAnswer.from_solution(
            'if tag == "a":',
            'if any(name == "href" for name, _ in attrs):',
            says=r"<link href=\.\.\.> names a style sheet, not a page: follow only <a> tags",
            kind="structure",
        ),
        "the course's page_links, wrapped": WrongAnswer(
            """
def page_links(html, page_url):
    return reference_page_links(html, page_url)
""",
            says=r"the answer calls helpers\.lessons\.crawler\.page_links",
            kind="bypass",
        ),
    },
    "check_crawl_concurrently": {
        "seen when fetched, not when queued": WrongAnswer.from_solution(
            "if link not in seen:\n"
            + " " * 32
            + "seen.add(link)  # seen when queued, not when fetched\n",
            "if link not in statuses:\n",
            says=r"some were fetched twice\. Add a link to the seen-set when you queue it",
            kind="luck",
        ),
        "a task per URL, unbounded": WrongAnswer(
            """
async def crawl_concurrently(session, start_url, workers):
    statuses, seen = {}, {start_url}

    async def visit(url):
        try:
            async with session.get(url) as response:
                statuses[url] = response.status
                if response.status == 200:
                    links = page_links(await response.text(), url) - seen
                    seen.update(links)
                    await asyncio.gather(*(visit(link) for link in links))
        except aiohttp.ClientError as exc:
            statuses[url] = type(exc).__name__

    await visit(start_url)
    return statuses
""",
            says=r"\d+ requests in flight with 8 workers",
            kind="structure",
        ),
        "no try/finally around task_done: a failed request stops join()": WrongAnswer(
            crawling(
                """
                async with session.get(url) as response:
                    statuses[url] = response.status
                    if response.status == 200:
                        for link in sorted(page_links(await response.text(), url)):
                            if link not in seen:
                                seen.add(link)
                                queue.put_nowait(link)
                queue.task_done()
                """,
                """
                try:
                    await queue.join()
                finally:
                    for task in tasks:
                        task.cancel()
                    await asyncio.gather(*tasks, return_exceptions=True)
                """,
            ),
            says=r"still waiting after .*without calling queue\.task_done\(\) \(call it in a "
            r"finally\)",
            kind="hang",
        ),
        "a failed request not caught, in a TaskGroup": WrongAnswer.from_solution(
            "            except aiohttp.ClientError as exc:\n"
            "                statuses[url] = type(exc).__name__  # no answer came\n",
            "",
            says=r"the crawl raised .*ended a worker.*Catch aiohttp\.ClientError",
            kind="half",
        ),
        "the workers never ended: the TaskGroup waits for them": WrongAnswer.from_solution(
            "        end_workers(queue, tasks)\n",
            "",
            says=r"still waiting after .*queue\.get\(\) after join\(\) returned",
            kind="hang",
        ),
        "the workers left waiting in queue.get()": WrongAnswer(
            crawling(_WORKER_BODY, "await queue.join()"),
            says=r"\d+ tasks still running after crawl_concurrently returned",
            kind="half",
        ),
        "workers that stop when the queue is empty for a moment": WrongAnswer.from_solution(
            "        while True:\n"
            "            try:\n                url = await queue.get()\n"
            "            except QUEUE_SHUT_DOWN:\n                return\n",
            "        while not queue.empty():\n            url = await queue.get()\n",
            says=r"never two requests at once: \d+ of your worker tasks ended while the crawl went "
            r"on\. A worker that stops when the queue is empty",
            kind="luck",
        ),
        "the course's crawler, reshaped": WrongAnswer(
            """
async def crawl_concurrently(session, start_url, workers):
    result = await reference_crawl(session, start_url, workers=workers, rate=1e6, attempts=1)
    return {**dict.fromkeys(result.fetched, 200), **result.failed}
""",
            says=r"the answer calls helpers\.lessons\.crawler\.crawl",
            kind="bypass",
        ),
    },
    "check_token_bucket": {
        "ignores burst": WrongAnswer.from_solution(
            "self._tokens = float(burst)",
            "self._tokens = 1.0",
            says=r"it ignores burst\. The bucket starts full",
            kind="other",
        ).also("min(self.burst,", "min(1,"),
        "no lock: right only while callers come one at a time": WrongAnswer.from_solution(
            "        async with self._lock:",
            "        if True:",
            says=r"serve them one at a time with an asyncio\.Lock held across the sleep",
            kind="luck",
        ),
        "the lock released before the sleep": WrongAnswer(
            bucket("""
    def _refill(self):
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    async def acquire(self):
        async with self._lock:
            self._refill()
            wait = max(0.0, 1 - self._tokens) / self.rate
        await asyncio.sleep(wait)
        async with self._lock:
            self._refill()
            self._tokens -= 1
            """),
            says=r"serve them one at a time with an asyncio\.Lock held across the sleep",
            kind="structure",
        ),
        "the lock let go during the sleep, then a retry": WrongAnswer(
            """
class TokenBucket:
    def __init__(self, rate, burst=1):
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._updated = time.monotonic()
        self._lock = asyncio.Lock()

    def _refill(self):
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    async def acquire(self):
        while True:
            async with self._lock:
                self._refill()
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                wait = (1 - self._tokens) / self.rate
            await asyncio.sleep(wait)
""",
            says=r"a caller that came while another waited for the next token got it first: "
            r"acquire\(\) lets go of the lock while it sleeps",
            kind="structure",
        ),
        "tokens never earned back while idle": WrongAnswer(
            """
class TokenBucket:
    def __init__(self, rate, burst=1):
        self.rate, self.tokens = rate, burst
        self.lock = asyncio.Lock()

    async def acquire(self):
        async with self.lock:
            if self.tokens < 1:
                await asyncio.sleep(1 / self.rate)
                self.tokens += 1
            self.tokens -= 1
""",
            says=r"after a pause, the first 3 callers .* the tokens earned while idle were lost",
            kind="half",
        ),
        "banks more than burst tokens": WrongAnswer.from_solution(
            "min(self.burst, self._tokens + (now - self._updated) * self.rate)",
            "self._tokens + (now - self._updated) * self.rate",
            says=r"banked more than burst=3 tokens\. Cap the count",
            kind="other",
        ),
        "time.sleep in acquire, which blocks the loop": WrongAnswer.from_solution(
            "await asyncio.sleep((1 - self._tokens) / self.rate)",
            "time.sleep((1 - self._tokens) / self.rate)",
            says=r"a heartbeat beside the callers ticked \d+ times while 4 of them waited .*: "
            r"acquire\(\) blocked the event loop",
            kind="structure",
        ),
        "a lock taken twice": WrongAnswer(
            bucket("""
    async def _refill(self):
        async with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
            self._updated = now

    async def acquire(self):
        async with self._lock:
            await self._refill()
            if self._tokens < 1:
                await asyncio.sleep((1 - self._tokens) / self.rate)
                await self._refill()
            self._tokens -= 1
            """),
            says=r"acquire\(\) was still waiting after .*Is a lock taken twice",
            kind="hang",
        ),
        "the course's TokenBucket, extended": WrongAnswer(
            """
from helpers.lessons.crawler import TokenBucket as Bucket


class TokenBucket(Bucket):
    pass
""",
            says=r"TokenBucket is \(or extends\) the course's own",
            kind="bypass",
        ),
    },
}

NOT_APPLICABLE = {
    "check_page_links": {"hang": "page_links parses a string: nothing in it waits"},
}
