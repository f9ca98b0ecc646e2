"""What 05-aiohttp defines before its exercises, and named wrong answers to them."""

import asyncio
import contextlib

import aiohttp
from solutions import WrongAnswer


def notebook_namespace() -> dict:
    """What 05-aiohttp defines before its exercises, as the exercises use it."""

    async def fetch(session: aiohttp.ClientSession, url: str) -> str:
        async with session.get(url) as response:
            response.raise_for_status()
            return await response.text()

    return {"asyncio": asyncio, "aiohttp": aiohttp, "contextlib": contextlib, "fetch": fetch}


WRONG_ANSWERS = {
    "check_sum_squares": {
        "a new session per request": WrongAnswer(
            """
async def sum_squares(session, base_url, count):
    async def square(n):
        async with aiohttp.ClientSession() as own, own.get(f"{base_url}/json/{n}") as response:
            return (await response.json())["square"]

    return sum(await asyncio.gather(*(square(n) for n in range(count))))
""",
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
            """
async def sum_squares(session, base_url, count):
    async def square(n):
        async with session.get(f"{base_url}/json/{n}") as response:
            return (await response.json())["square"]

    return sum(await asyncio.gather(*(square(n) for n in range(1, count + 1))))
""",
            says=r"you fetched /json/1 to /json/30: the documents are 0 to count - 1",
            kind="other",
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
            """
async def fetch_politely(session, urls, at_once):
    async def one(url):
        async with asyncio.Semaphore(at_once):
            return await fetch(session, url)

    return await asyncio.gather(*(one(url) for url in urls))
""",
            says=r"held \d+ requests at once, more than at_once=7.* a semaphore per request",
            kind="structure",
        ),
        "the semaphore released before the request is sent": WrongAnswer(
            """
async def fetch_politely(session, urls, at_once):
    gate = asyncio.Semaphore(at_once)

    async def one(url):
        async with gate:
            request = fetch(session, url)
        return await request

    return await asyncio.gather(*(one(url) for url in urls))
""",
            says=r"more than at_once=7.*released before the request is sent",
            kind="structure",
        ),
        "bodies in the order they finish": WrongAnswer(
            """
async def fetch_politely(session, urls, at_once):
    gate = asyncio.Semaphore(at_once)

    async def one(url):
        async with gate:
            return await fetch(session, url)

    return [await body for body in asyncio.as_completed([one(url) for url in urls])]
""",
            says=r"return every body in the order of the URLs \(gather keeps it; as_completed",
            kind="luck",
        ),
    },
    "check_get_when_allowed": {
        "raise_for_status before looking for 429": WrongAnswer(
            """
async def get_when_allowed(session, url, sleep):
    for _ in range(4):
        async with session.get(url) as response:
            response.raise_for_status()
            if response.status != 429:
                return await response.text()
            wait = float(response.headers["Retry-After"])
        await sleep(wait)
""",
            says=r"a 429 raised an error: raise_for_status\(\) before looking at the status",
            kind="half",
        ),
        "its own backoff, ignoring the header": WrongAnswer(
            """
async def get_when_allowed(session, url, sleep):
    for attempt in range(4):
        async with session.get(url) as response:
            if response.status != 429:
                response.raise_for_status()
                return await response.text()
        await sleep(0.01 * 2**attempt)
    raise RuntimeError("still refused")
""",
            says=r"refused 12 requests for 3 URLs: you retried after waiting \[0\.01, 0\.02, "
            r"0\.04, 0\.08\] s, sooner than the Retry-After: 1",
            kind="other",
        ),
        "Retry-After read as milliseconds": WrongAnswer(
            """
async def get_when_allowed(session, url, sleep):
    for _ in range(4):
        async with session.get(url) as response:
            if response.status != 429:
                response.raise_for_status()
                return await response.text()
            wait = int(response.headers["Retry-After"]) / 1000
        await sleep(wait)
    raise RuntimeError("still refused")
""",
            says=r"you retried after waiting \[0\.001\] s, sooner than the Retry-After: 1",
            kind="other",
        ),
        "asyncio.sleep instead of the sleep it was given": WrongAnswer(
            """
async def get_when_allowed(session, url, sleep):
    for _ in range(4):
        async with session.get(url) as response:
            if response.status != 429:
                response.raise_for_status()
                return await response.text()
            wait = float(response.headers["Retry-After"])
        await asyncio.sleep(wait)
""",
            says=r"the sleep you were given was called with \[\], not once per URL",
            kind="other",
        ),
    },
    "check_head": {
        "the whole body read, then sliced": WrongAnswer(
            """
async def read_chunks(session, url, size):
    async with session.get(url) as response:
        async for chunk in response.content.iter_chunked(size):
            yield chunk


async def head(session, url, n):
    async with session.get(url) as response:
        return (await response.read())[:n]
""",
            says=r"head took \d+ MiB to return 100,000 bytes of a 32 MiB body: it read the whole",
            kind="structure",
        ),
        "every chunk collected, then sliced": WrongAnswer(
            """
async def read_chunks(session, url, size):
    async with session.get(url) as response:
        async for chunk in response.content.iter_chunked(size):
            yield chunk


async def head(session, url, n):
    return b"".join([chunk async for chunk in read_chunks(session, url, 2**16)])[:n]
""",
            says=r"head took \d+ MiB .* it read the whole body",
            kind="structure",
        ),
        "break without closing the generator": WrongAnswer(
            """
async def read_chunks(session, url, size):
    async with session.get(url) as response:
        async for chunk in response.content.iter_chunked(size):
            yield chunk


_opened = []


async def head(session, url, n):
    parts, have = [], 0
    chunks = read_chunks(session, url, 2**16)
    _opened.append(chunks)  # kept, as a caller's variable or a traceback would keep it
    async for chunk in chunks:
        parts.append(chunk)
        have += len(chunk)
        if have >= n:
            break
    return b"".join(parts)[:n]
""",
            says=r"the session's only connection was still held: the generator is suspended",
            kind="half",
        ),
        "the chunk size ignored": WrongAnswer(
            """
async def read_chunks(session, url, size):
    async with session.get(url) as response:
        async for chunk in response.content.iter_any():
            yield chunk


async def head(session, url, n):
    parts, have = [], 0
    async with contextlib.aclosing(read_chunks(session, url, 2**16)) as chunks:
        async for chunk in chunks:
            parts.append(chunk)
            have += len(chunk)
            if have >= n:
                break
    return b"".join(parts)[:n]
""",
            says=r"read_chunks\(session, url, 1000\) yielded \d+ chunks, 32,768 bytes, the largest",
            kind="other",
        ),
        "a list, not an async generator": WrongAnswer(
            """
async def read_chunks(session, url, size):
    async with session.get(url) as response:
        return [chunk async for chunk in response.content.iter_chunked(size)]


async def head(session, url, n):
    return b"".join(await read_chunks(session, url, 2**16))[:n]
""",
            says=r"read_chunks is not an async generator",
            kind="structure",
        ),
    },
}


# Kinds that no wrong answer here covers, with the reason they do not apply (issue 23).
NOT_APPLICABLE: dict[str, dict[str, str]] = {}
