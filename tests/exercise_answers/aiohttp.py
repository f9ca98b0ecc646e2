"""What 07-aiohttp defines before its exercises, and named wrong answers to them."""

import asyncio
import contextlib

import aiohttp
from solutions import NotApplicable, WrongAnswer, named


def notebook_namespace() -> dict:
    """What 07-aiohttp defines before its exercises, as the exercises use it."""

    async def fetch(session: aiohttp.ClientSession, url: str) -> str:
        async with session.get(url) as response:
            response.raise_for_status()
            return await response.text()

    return named(asyncio, aiohttp, contextlib, fetch)


# The shown solutions as learners write them, without type hints, comments or status checks:
# most wrong answers are one of them with one change.
SQUARES = """
async def sum_squares(session, base_url, count):
    async def square(n):
        async with session.get(f"{base_url}/json/{n}") as response:
            return (await response.json())["square"]

    return sum(await asyncio.gather(*(square(n) for n in range(count))))
"""
GATED = """
async def fetch_politely(session, urls, at_once):
    gate = asyncio.Semaphore(at_once)

    async def one(url):
        async with gate:
            return await fetch(session, url)

    return await asyncio.gather(*(one(url) for url in urls))
"""

WRONG_ANSWERS = {
    "check_sum_squares": {
        "a new session per request": WrongAnswer(
            SQUARES.replace("session.get(", "aiohttp.ClientSession() as own, own.get("),
            says=r"only 0 of the server's 30 requests went through the session you were given: "
            r"a new ClientSession per request",
            kind="structure",
        ),
        "awaits each request before sending the next": WrongAnswer(
            """
async def sum_squares(session, base_url, count):
    total = 0
    for n in range(count):
        async with session.get(f"{base_url}/json/{n}") as response:
            total += (await response.json())["square"]
    return total
""",
            says=r"never held two requests at once: awaiting each request before sending",
            kind="structure",
        ),
        "documents 1 to count": WrongAnswer(
            SQUARES.replace("range(count)", "range(1, count + 1)"),
            says=r"you fetched /json/1 to /json/30: the documents are 0 to count - 1",
            kind="other",
        ),
        "the sum worked out, nothing fetched": WrongAnswer(
            """
async def sum_squares(session, base_url, count):
    return sum(n * n for n in range(count))
""",
            says=r"the server received no request, and sum_squares returned 8555",
            kind="luck",
        ),
        "fetches the pages, sums n * n itself": WrongAnswer(
            """
async def sum_squares(session, base_url, count):
    async def get(n):
        async with session.get(f"{base_url}/json/{n}") as response:
            await response.read()

    await asyncio.gather(*(get(n) for n in range(count)))
    return sum(n * n for n in range(count))
""",
            says=r"sum_squares returned 8555, the sum of n \* n for n from 0 to 29, worked out "
            r"from the indices, not the 'square' fields the server sent",
            kind="luck",
        ),
    },
    "check_fetch_politely": {
        "TCPConnector(limit=at_once) instead of a Semaphore": WrongAnswer(
            """
async def fetch_politely(session, urls, at_once):
    connector = aiohttp.TCPConnector(limit=at_once)
    async with aiohttp.ClientSession(connector=connector) as own:
        return await asyncio.gather(*(fetch(own, url) for url in urls))
""",
            says=r"only 0 of 60 requests went through the session you were given\. A session "
            r"of your own with TCPConnector\(limit=\.\.\.\)",
            kind="bypass",
        ),
        "a semaphore per request": WrongAnswer(
            GATED.replace("    gate = asyncio.Semaphore(at_once)\n\n", "").replace(
                "async with gate:", "async with asyncio.Semaphore(at_once):"
            ),
            says=r"held \d+ requests at once, more than at_once=7.* a semaphore per request",
            kind="structure",
        ),
        "the semaphore released before the request is sent": WrongAnswer(
            GATED.replace(
                "return await fetch(session, url)",
                "request = fetch(session, url)\n        return await request",
            ),
            says=r"more than at_once=7.*released before the request is sent",
            kind="structure",
        ),
        "bodies in the order they finish": WrongAnswer(
            GATED.replace(
                "await asyncio.gather(*(one(url) for url in urls))",
                "[await body for body in asyncio.as_completed([one(url) for url in urls])]",
            ),
            says=r"return every body in the order of the URLs \(gather keeps it; as_completed",
            kind="luck",
        ),
        "waves: gather at_once URLs at a time": WrongAnswer(
            """
async def fetch_politely(session, urls, at_once):
    bodies = []
    for start in range(0, len(urls), at_once):
        wave = urls[start : start + at_once]
        bodies += await asyncio.gather(*(fetch(session, url) for url in wave))
    return bodies
""",
            says=r"only \d of the 59 quick requests ended before the slow first one.*batches",
            kind="structure",
        ),
        "the semaphore acquired, never released": WrongAnswer(
            GATED.replace(
                "async with gate:\n            return", "await gate.acquire()\n        return"
            ),
            says=r"was still waiting after 2 s, with the loop free: .*acquired and never released",
            kind="hang",
        ),
    },
}


# One request after another must finish within the tests' shorter watchdog (30 requests).
SETTINGS = {"SQUARES_LATENCY": 0.02}


# Kinds that no wrong answer here covers, with the reason they do not apply (issue 23).
NOT_APPLICABLE: NotApplicable = {
    "check_sum_squares": {
        "bypass": "no library function or course helper sums the documents; a helper that "
        "downloads on a session of its own is the new-session mistake, caught as structure",
        "half": "the exercise has one path: every document exists, and no error is asked for",
        "hang": "every await in it is a request to a server that answers; nothing waits on a "
        "condition of the learner's making",
    },
    "check_fetch_politely": {
        "half": "the exercise has one path: every URL answers, and no error is asked for",
    },
}
