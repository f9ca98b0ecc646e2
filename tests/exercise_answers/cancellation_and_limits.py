"""What 06-cancellation-and-limits defines before its exercises, and named wrong answers to them."""

import asyncio
import contextvars
import io
import logging

from solutions import NotApplicable, WrongAnswer, named


def notebook_namespace() -> dict:
    """What 06-cancellation-and-limits defines before its exercises, as the exercises use it."""
    request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

    class RequestIdFilter(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            record.request_id = request_id.get()
            return True

    handler = logging.StreamHandler(io.StringIO())
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(logging.Formatter("[%(request_id)s] %(levelname)s %(message)s"))
    log = logging.getLogger("tests.exercise_answers.shop")
    log.handlers.clear()
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False

    async def respond() -> None:
        log.info("received")
        await asyncio.sleep(0.01)
        log.info("answered")

    return named(
        asyncio,
        contextvars,
        logging,
        RequestIdFilter,
        respond,
        request_id=request_id,
        handler=handler,
        log=log,
    )


# the shown solution's use of its permit, and its signature as learners write it (no type hints)
PERMIT = "        async with permits:\n            return await coroutine"
PLAIN_SIGNATURE = ("limit: int) -> list:", "limit):")

WRONG_ANSWERS = {
    "check_gather_limited": {
        "a plain gather, no limit": WrongAnswer(
            """
async def gather_limited(coroutines, limit):
    return await asyncio.gather(*coroutines)
""",
            says=r"8 ran at once with limit=2",
            kind="structure",
        ),
        "a new Semaphore for each coroutine": WrongAnswer.from_solution(
            "        async with permits:",
            "        async with asyncio.Semaphore(limit):",
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
        "batches of gather": WrongAnswer(
            """
async def gather_limited(coroutines, limit):
    results = []
    for i in range(0, len(coroutines), limit):
        results += await asyncio.gather(*coroutines[i : i + limit])
    return results
""",
            says=r"item 2 started only after item 0 \(0.2 s\) had finished.*batches of 2",
            kind="structure",
        ),
        "results in the order they finished": WrongAnswer.from_solution(
            "    return await asyncio.gather(*(run(coroutine) for coroutine in coroutines))",
            "    return [await next_done for next_done in "
            "asyncio.as_completed([run(c) for c in coroutines])]",
            says=r"the results came back in the order they finished",
            kind="luck",
        ),
        "a permit not given back when the coroutine fails": WrongAnswer.from_solution(
            PERMIT,
            "        await permits.acquire()\n"
            "        result = await coroutine\n"
            "        permits.release()\n"
            "        return result",
            says=r"after 2 coroutines failed, 3 coroutines still waited for a place",
            kind="half",
        ).also(*PLAIN_SIGNATURE),
        "workers that end on an error, taking their place with them": WrongAnswer(
            """
async def gather_limited(coroutines, limit):
    items = list(enumerate(coroutines))
    results = [None] * len(items)
    it = iter(items)

    async def worker():
        for i, c in it:
            results[i] = await c

    await asyncio.gather(*(worker() for _ in range(limit)))
    return results
""",
            says=r"after item 0 failed, at most 1 coroutine ran at once with limit=2: the failed "
            r"coroutine's place was not given back",
            kind="half",
        ),
        "a TaskGroup, which cancels the others on an error": WrongAnswer.from_solution(
            "    return await asyncio.gather(*(run(coroutine) for coroutine in coroutines))",
            "    async with asyncio.TaskGroup() as group:\n"
            "        tasks = [group.create_task(run(coroutine)) for coroutine in coroutines]\n"
            "    return [task.result() for task in tasks]",
            says=r"after item 0 failed, items \[3, 4, 5\] never ran: the others must still get "
            r"their turn",
            kind="half",
        ),
        "a permit taken and never given back": WrongAnswer.from_solution(
            PERMIT,
            "        await permits.acquire()\n        return await coroutine",
            says=r"gather_limited\(coroutines, 2\) was still waiting after 2 s.*never given back",
            kind="hang",
        ).also(*PLAIN_SIGNATURE),
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
            kind="luck",
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
            kind="half",
        ),
    },
}


# Kinds that no wrong answer here covers, with the reason they do not apply (issue 23).
NOT_APPLICABLE: NotApplicable = {
    "check_gather_limited": {
        "bypass": "asyncio has no bounded gather and the course offers none: there is nothing "
        "to call in place of writing it",
    },
    "check_serve": {
        "bypass": "nothing in asyncio or the course sets a context variable per task for you: "
        "create_task(context=...) and copy_context().run() are ways to write the answer",
        "hang": "serve only runs respond() calls, which always finish: no lock, event or queue "
        "is in reach for it to wait on forever",
    },
}
