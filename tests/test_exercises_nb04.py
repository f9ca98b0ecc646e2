"""The checks of 04-tasks-and-gather pass the solutions the notebook shows and catch mistakes."""

import asyncio
import contextvars
from pathlib import Path

import pytest
from solutions import WrongAnswer, exercises, grade, wrong_answers

from helpers.exercises import NOT_ATTEMPTED, Mistake
from helpers.lessons.structured import TaskGroup
from helpers.measure.timeline import Timeline

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "04-tasks-and-gather.ipynb"


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
        "TaskGroup": TaskGroup,
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
        ),
        "the others left running": WrongAnswer(
            """
async def fastest(mirrors):
    tasks = [asyncio.create_task(answer(name, seconds)) for name, seconds in mirrors.items()]
    done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    return done.pop().result()
""",
            says=r"answer\(\) was still running for slow, medium when fastest returned",
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
        ),
        "picks the smallest delay without asking": WrongAnswer(
            """
async def fastest(mirrors):
    return min(mirrors, key=mirrors.get)
""",
            says=r"fastest asked no mirror, not every mirror: start answer\(\) for each one",
        ),
        "awaits the mirrors one by one": WrongAnswer(
            """
async def fastest(mirrors):
    for name, seconds in mirrors.items():
        return await answer(name, seconds)
""",
            says=r"fastest asked \['slow'\], not every mirror",
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
        ),
    },
    "check_gather_limited": {
        "a plain gather, no limit": WrongAnswer(
            """
async def gather_limited(coroutines, limit):
    return await asyncio.gather(*coroutines)
""",
            says=r"8 ran at once with limit=2",
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
        ),
        "one at a time": WrongAnswer(
            """
async def gather_limited(coroutines, limit):
    return [await coroutine for coroutine in coroutines]
""",
            says=r"only 1 ran at a time with limit=2",
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
        ),
    },
    "check_fetch_all": {
        "gather: the others run on after the error": WrongAnswer(
            """
async def fetch_all(urls):
    return await asyncio.gather(*(fetch_page(url) for url in urls))
""",
            says=r"still running for /a, /c when fetch_all raised: cancel the other fetches",
        ),
        "return_exceptions: the error returned, not raised": WrongAnswer(
            """
async def fetch_all(urls):
    return await asyncio.gather(*(fetch_page(url) for url in urls), return_exceptions=True)
""",
            says=r"/broken failed, yet fetch_all returned \[.*ConnectionError.*\]: let the error",
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
        ),
        "one at a time": WrongAnswer(
            """
async def fetch_all(urls):
    return [await fetch_page(url) for url in urls]
""",
            says=r"at most 1 fetch ran at a time",
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
        ),
        "every id set, then the tasks created": WrongAnswer(
            """
async def serve(request_ids):
    for rid in request_ids:
        request_id.set(rid)
    await asyncio.gather(*(respond() for _ in request_ids))
""",
            says=r"logged \[\['req-3'\], \['req-3'\], \['req-3'\]\], not one each",
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
        ),
    },
}


@pytest.mark.parametrize("exercise", exercises(NOTEBOOK), ids=str)
def test_reference_solution_passes(exercise, capsys):
    assert grade(NOTEBOOK, exercise.check, exercise.solution, notebook_namespace()) is True
    assert capsys.readouterr().out.startswith("✓")


@pytest.mark.parametrize(("check", "mistake"), wrong_answers(WRONG_ANSWERS))
def test_wrong_answer_is_caught(check, mistake):
    wrong = WRONG_ANSWERS[check][mistake]
    with pytest.raises(Mistake, match=wrong.says):
        grade(NOTEBOOK, check, wrong.code, notebook_namespace())


@pytest.mark.parametrize("exercise", exercises(NOTEBOOK), ids=str)
def test_untouched_exercise_is_not_attempted(exercise, capsys):
    assert grade(NOTEBOOK, exercise.check, None, notebook_namespace()) is False
    assert capsys.readouterr().out.startswith(NOT_ATTEMPTED)


def test_fastest_check_restores_answer():
    namespace = notebook_namespace()
    original = namespace["answer"]
    code = WRONG_ANSWERS["check_fastest"]["the others left running"].code
    with pytest.raises(Mistake):
        grade(NOTEBOOK, "check_fastest", code, namespace)
    assert namespace["answer"] is original


def test_fetch_all_check_restores_fetch_page():
    namespace = notebook_namespace()
    original = namespace["fetch_page"]
    code = WRONG_ANSWERS["check_fetch_all"]["one at a time"].code
    with pytest.raises(Mistake):
        grade(NOTEBOOK, "check_fetch_all", code, namespace)
    assert namespace["fetch_page"] is original


def test_serve_check_restores_respond_and_the_id():
    namespace = notebook_namespace()
    original = namespace["respond"]
    code = WRONG_ANSWERS["check_serve"]["set before create_task, never reset"].code
    with pytest.raises(Mistake):
        grade(NOTEBOOK, "check_serve", code, namespace)
    assert namespace["respond"] is original
    assert namespace["request_id"].get() == "-"


def test_serve_check_accepts_setting_before_create_task_with_a_reset(capsys):
    code = """
async def serve(request_ids):
    tasks = []
    for rid in request_ids:
        token = request_id.set(rid)
        tasks.append(asyncio.create_task(respond()))
        request_id.reset(token)
    await asyncio.gather(*tasks)
"""
    assert grade(NOTEBOOK, "check_serve", code, notebook_namespace()) is True
    assert capsys.readouterr().out.startswith("✓")
