"""What 04-tasks-and-gather defines before its exercises, and named wrong answers to them."""

import asyncio
import contextvars

from solutions import WrongAnswer

from helpers.measure.timeline import Timeline


def notebook_namespace() -> dict:
    """What 04-tasks-and-gather defines before its exercises, as the exercises use it."""

    async def answer(name: str, seconds: float) -> str:
        await asyncio.sleep(seconds)
        return name

    request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
    lines: list[str] = []

    def log(message: str) -> None:
        lines.append(f"[{request_id.get()}] {message}")

    async def respond() -> None:
        log("received")
        await asyncio.sleep(0.01)
        log("answered")

    async def fetch_page(url: str) -> str:
        await asyncio.sleep(0.01)
        return f"page {url}"

    return {
        "asyncio": asyncio,
        "contextvars": contextvars,
        "TaskGroup": asyncio.TaskGroup,
        "Timeline": Timeline,
        "MIRRORS": {"mirror A": 0.3, "mirror B": 0.1, "mirror C": 0.2},
        "answer": answer,
        "request_id": request_id,
        "lines": lines,
        "log": log,
        "respond": respond,
        "fetch_page": fetch_page,
    }


WRONG_ANSWERS = {
    "check_fastest": {
        "gather waits for every mirror": WrongAnswer(
            """
async def fastest(mirrors):
    await asyncio.gather(*(answer(name, seconds) for name, seconds in mirrors.items()))
    return min(mirrors, key=mirrors.get)
""",
            says=r"fastest waited for every mirror to answer \(0.6 s\)",
            kind="structure",
        ),
        "the others left running": WrongAnswer(
            """
async def fastest(mirrors):
    tasks = [asyncio.create_task(answer(name, seconds)) for name, seconds in mirrors.items()]
    done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    return done.pop().result()
""",
            says=r"answer\(\) was still running for slow, medium when fastest returned",
            kind="half",
        ),
        "cancelled but not waited for": WrongAnswer(
            """
async def fastest(mirrors):
    tasks = [asyncio.create_task(answer(name, seconds)) for name, seconds in mirrors.items()]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    return done.pop().result()
""",
            says=r"still running for slow, medium when fastest returned: cancel the other tasks, "
            r"then wait for them",
            kind="half",
        ),
        "picks the smallest delay without asking": WrongAnswer(
            """
async def fastest(mirrors):
    return min(mirrors, key=mirrors.get)
""",
            says=r"fastest asked no mirror, not every mirror: start answer\(\) for each one",
            kind="luck",
        ),
        "awaits the mirrors one by one": WrongAnswer(
            """
async def fastest(mirrors):
    for name, seconds in mirrors.items():
        return await answer(name, seconds)
""",
            says=r"fastest asked \['slow'\], not every mirror",
            kind="luck",
        ),
        "the Task returned, not its result": WrongAnswer(
            """
async def fastest(mirrors):
    tasks = [asyncio.create_task(answer(name, seconds)) for name, seconds in mirrors.items()]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    return done.pop()
""",
            says=r"fastest returned <Task .*>: return the finished task's .result\(\)",
            kind="other",
        ),
    },
    "check_gather_limited": {
        "a plain gather, no limit": WrongAnswer(
            """
async def gather_limited(coroutines, limit):
    return await asyncio.gather(*coroutines)
""",
            says=r"8 ran at once with limit=2",
            kind="structure",
        ),
        "a new Semaphore for each coroutine": WrongAnswer(
            """
async def gather_limited(coroutines, limit):
    async def run(coroutine):
        async with asyncio.Semaphore(limit):
            return await coroutine

    return await asyncio.gather(*(run(coroutine) for coroutine in coroutines))
""",
            says=r"8 ran at once with limit=2",
            kind="structure",
        ),
        "one at a time": WrongAnswer(
            """
async def gather_limited(coroutines, limit):
    return [await coroutine for coroutine in coroutines]
""",
            says=r"only 1 ran at a time with limit=2",
            kind="structure",
        ),
        "results in the order they finished": WrongAnswer(
            """
async def gather_limited(coroutines, limit):
    permits = asyncio.Semaphore(limit)

    async def run(coroutine):
        async with permits:
            return await coroutine

    return [await next_done for next_done in asyncio.as_completed([run(c) for c in coroutines])]
""",
            says=r"the results came back in the order they finished",
            kind="luck",
        ),
    },
    "check_fetch_all": {
        "gather: the others run on after the error": WrongAnswer(
            """
async def fetch_all(urls):
    return await asyncio.gather(*(fetch_page(url) for url in urls))
""",
            says=r"still running for /a, /c when fetch_all raised: cancel the other fetches",
            kind="half",
        ),
        "return_exceptions: the error returned, not raised": WrongAnswer(
            """
async def fetch_all(urls):
    return await asyncio.gather(*(fetch_page(url) for url in urls), return_exceptions=True)
""",
            says=r"/broken failed, yet fetch_all returned \[.*ConnectionError.*\]: let the error",
            kind="half",
        ),
        "every page waited for, then the first error raised": WrongAnswer(
            """
async def fetch_all(urls):
    pages = await asyncio.gather(*(fetch_page(url) for url in urls), return_exceptions=True)
    for page in pages:
        if isinstance(page, Exception):
            raise page
    return pages
""",
            says=r"/a, /c loaded in full \(0.3 s\) after /broken had failed",
            kind="half",
        ),
        "one at a time": WrongAnswer(
            """
async def fetch_all(urls):
    return [await fetch_page(url) for url in urls]
""",
            says=r"at most 1 fetch ran at a time",
            kind="structure",
        ),
        "pages in the order they finished": WrongAnswer(
            """
async def fetch_all(urls):
    pages = []

    async def fetch_into(url):
        pages.append(await fetch_page(url))

    async with TaskGroup() as group:
        for url in urls:
            group.create_task(fetch_into(url))
    return pages
""",
            says=r"in the order the fetches finished",
            kind="luck",
        ),
    },
    "check_serve": {
        "a module global instead of the ContextVar": WrongAnswer(
            """
current = "-"

async def serve(request_ids):
    async def one(rid):
        global current
        current = rid
        await respond()

    await asyncio.gather(*(one(rid) for rid in request_ids))
""",
            says=r"respond\(\) logged the caller's id 'caller'",
            kind="other",
        ),
        "every id set, then the tasks created": WrongAnswer(
            """
async def serve(request_ids):
    for rid in request_ids:
        request_id.set(rid)
    await asyncio.gather(*(respond() for _ in request_ids))
""",
            says=r"logged \[\['req-3'\], \['req-3'\], \['req-3'\]\], not one each",
            kind="other",
        ),
        "the id set after the tasks were created": WrongAnswer(
            """
async def serve(request_ids):
    tasks = [asyncio.create_task(respond()) for _ in request_ids]
    for rid in request_ids:
        request_id.set(rid)
    await asyncio.gather(*tasks)
""",
            says=r"logged the caller's id 'caller'.*a task copies the context when it is created",
            kind="other",
        ),
        "one request at a time": WrongAnswer(
            """
async def serve(request_ids):
    for rid in request_ids:
        token = request_id.set(rid)
        await respond()
        request_id.reset(token)
""",
            says=r"respond\(\) ran 1 at a time",
            kind="structure",
        ),
        "set before create_task, never reset": WrongAnswer(
            """
async def serve(request_ids):
    tasks = []
    for rid in request_ids:
        request_id.set(rid)
        tasks.append(asyncio.create_task(respond()))
    await asyncio.gather(*tasks)
""",
            says=r"after serve, the caller's request_id is 'req-3', not 'caller'",
            kind="other",
        ),
    },
}


# Kinds that no wrong answer here covers, with the reason they do not apply (issue 23).
NOT_APPLICABLE: dict[str, dict[str, str]] = {}
