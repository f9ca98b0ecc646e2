"""What 08-timeouts-retries-and-streams defines before its exercises, and named wrong answers."""

import asyncio
import contextlib
import email.utils
from datetime import UTC, datetime

import aiohttp
from solutions import NotApplicable, WrongAnswer, named, template

HANG_S = 6.0  # get_when_allowed's checks make many requests: 2 s is too short beside other tests
ATTEMPTS = 4
MAX_WAIT = 60.0


def retry_after_s(value: str | None) -> float | None:
    """Seconds a Retry-After header asks to wait (capped at MAX_WAIT), None without one."""
    if value is None:
        return None
    if value.isdigit():
        return min(float(value), MAX_WAIT)
    try:
        until = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return min(max(0.0, (until - datetime.now(UTC)).total_seconds()), MAX_WAIT)


def notebook_namespace() -> dict:
    """What 08-timeouts-retries-and-streams defines before its exercises, as they use it."""

    async def fetch(session: aiohttp.ClientSession, url: str) -> str:
        async with session.get(url) as response:
            response.raise_for_status()
            return await response.text()

    return named(
        asyncio,
        aiohttp,
        contextlib,
        fetch,
        retry_after_s,
        email,
        datetime,
        ATTEMPTS=ATTEMPTS,
        MAX_WAIT=MAX_WAIT,
        UTC=UTC,
    )


# read_chunks as learners write it (no type hints or status check), and a head after it: each
# wrong answer fills in how head reads
_READ_CHUNKS = """
async def read_chunks(session, url, size):
    async with session.get(url) as response:
        async for chunk in response.content.iter_chunked(size):
            yield chunk
"""
head_reading = template(
    _READ_CHUNKS
    + """

async def head(session, url, n):
    ...
"""
)
# a head that reads the chunks until it has n bytes, then breaks out of the loop
BREAKING = """
parts, have = [], 0
async for chunk in read_chunks(session, url, 2**16):
    parts.append(chunk)
    have += len(chunk)
    if have >= n:
        break
return b"".join(parts)[:n]
"""

# Not a wrong answer: get_when_allowed retrying by recursion inside `async with session.get(url)`,
# its sleep and next request made while the 429 is still open. aiohttp hands the connection back
# to the pool as soon as a response's body has arrived in full, read or not (notebook 08 §5:
# reading a body to its end is what lets a connection be reused), and a 429's few bytes arrive
# with its headers: the next request gets the pool's one connection. It would hold it only while
# a body is still on its way, a 429 of more than the read buffer or sent slowly, which neither
# the check's server nor real ones send.
WRONG_ANSWERS = {
    "check_get_when_allowed": {
        "raise_for_status before looking for 429": WrongAnswer.from_solution(
            """            if response.status != 429:
                response.raise_for_status()
""",
            """            response.raise_for_status()
            if response.status != 429:
""",
            says=r"a 429 raised an error: raise_for_status\(\) before looking at the status",
            kind="half",
        ),
        "its own backoff, ignoring the header": WrongAnswer.from_solution(
            "await sleep(asked if asked is not None else 1.0)",
            "await sleep(0.01 * 2**attempt)",
            says=r"Retry-After: 1 saw you wait \[0\.01, 0\.02, 0\.04\] s and refused 4 requests",
            kind="other",
        ),
        "a hard-coded wait of 1 s": WrongAnswer.from_solution(
            "await sleep(asked if asked is not None else 1.0)",
            "await sleep(1.0)",
            says=r"Retry-After: 2 saw you wait \[1\.0, 1\.0, 1\.0\] s, not the 2 s it asks for",
            kind="luck",
        ),
        "asyncio.sleep instead of the sleep it was given": WrongAnswer.from_solution(
            "await sleep(asked if asked is not None else 1.0)",
            "await asyncio.sleep(asked if asked is not None else 1.0)",
            says=r"the sleep you were given was never called",
            kind="bypass",
        ),
        "never gives up": WrongAnswer(
            """
async def get_when_allowed(session, url, sleep):
    while True:
        async with session.get(url) as response:
            if response.status != 429:
                response.raise_for_status()
                return await response.text()
            asked = retry_after_s(response.headers.get("Retry-After"))
        await sleep(asked)
""",
            says=r"sleep was called 11 times for one URL: give up with an exception after 4",
            kind="hang",
        ),
        "a wait after the last refusal too": WrongAnswer.from_solution(
            """        if attempt + 1 < ATTEMPTS:  # no wait after the last refusal
            await sleep(asked if asked is not None else 1.0)  # outside `async with`: freed""",
            """        await sleep(asked if asked is not None else 1.0)""",
            says=r"4 refusals were followed by 4 waits: wait between attempts only",
            kind="half",
        ),
        "the header read as a number of seconds only": WrongAnswer.from_solution(
            'asked = retry_after_s(response.headers.get("Retry-After"))',
            'asked = float(response.headers["Retry-After"])',
            says=r"\(an HTTP date, the header's other form\) made your code raise ValueError",
            kind="other",
        ),
        "no cap on the wait": WrongAnswer.from_solution(
            'asked = retry_after_s(response.headers.get("Retry-After"))',
            'header = response.headers["Retry-After"]\n'
            "            asked = float(header) if header.isdigit() else (\n"
            "                email.utils.parsedate_to_datetime(header) - datetime.now(UTC)\n"
            "            ).total_seconds()",
            says=r"cap each wait at MAX_WAIT \(60 s\)",
            kind="other",
        ),
        "a 404 retried too": WrongAnswer(
            """
async def get_when_allowed(session, url, sleep):
    for attempt in range(ATTEMPTS):
        async with session.get(url) as response:
            if response.status < 400:
                return await response.text()
            asked = retry_after_s(response.headers.get("Retry-After"))
        if attempt + 1 < ATTEMPTS:
            await sleep(asked if asked is not None else 1.0)
    raise RuntimeError(f"{url}: still refused after {ATTEMPTS} attempts")
""",
            says=r"a URL answered 404 was requested 4 times, with waits \[1\.0, 1\.0, 1\.0\]",
            kind="half",
        ),
        "the retry sent on a session of its own": WrongAnswer.from_solution(
            """        async with session.get(url) as response:""",
            """        async with aiohttp.ClientSession() as own, own.get(url) as response:""",
            says=r"only 0 of the server's 2 requests went through the session you were given",
            kind="structure",
        ),
    },
    "check_head": {
        "the whole body read, then sliced": WrongAnswer(
            head_reading("""
                async with session.get(url) as response:
                    return (await response.read())[:n]
            """),
            says=r"head took \d+ MiB to return 100,000 bytes of a 32 MiB body: it read the whole",
            kind="structure",
        ),
        "every chunk collected, then sliced": WrongAnswer(
            head_reading("""
                return b"".join([chunk async for chunk in read_chunks(session, url, 2**16)])[:n]
            """),
            says=r"head took \d+ MiB .* it read the whole body",
            kind="structure",
        ),
        "break, the generator left to refcounting": WrongAnswer(
            head_reading(BREAKING),
            says=r"when head returned, the generator was still suspended at its yield",
            kind="luck",
        ),
        "break, the generator kept in a variable": WrongAnswer(
            head_reading(
                BREAKING.replace(
                    "async for chunk in read_chunks(session, url, 2**16):",
                    "chunks = read_chunks(session, url, 2**16)\nasync for chunk in chunks:",
                )
            ),
            says=r"when head returned, the generator was still suspended at its yield",
            kind="half",
        ),
        "head reads the response itself": WrongAnswer(
            head_reading("""
                async with session.get(url) as response:
                    return await response.content.readexactly(n)
            """),
            says=r"head never called read_chunks",
            kind="bypass",
        ),
        "the chunk size ignored": WrongAnswer(
            head_reading("""
                parts, have = [], 0
                async with contextlib.aclosing(read_chunks(session, url, 2**16)) as chunks:
                    async for chunk in chunks:
                        parts.append(chunk)
                        have += len(chunk)
                        if have >= n:
                            break
                return b"".join(parts)[:n]
            """).replace("iter_chunked(size)", "iter_any()"),
            says=r"read_chunks\(session, url, 1000\) yielded \d+ chunks, 32,768 bytes, the largest",
            kind="other",
        ),
        "a generator that never stops": WrongAnswer.from_solution(
            """        async for chunk in response.content.iter_chunked(size):
            yield chunk""",
            """        while True:
            yield await response.content.read(size)""",
            says=r"read_chunks yielded more than \d+ chunks for a body of 32,768 bytes, and went",
            kind="hang",
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
NOT_APPLICABLE: NotApplicable = {}
