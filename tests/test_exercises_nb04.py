"""The checks of 04-tasks-and-gather pass the solutions the notebook shows and catch mistakes."""

import asyncio
from pathlib import Path

import pytest
from solutions import WrongAnswer, exercises, grade, wrong_answers

from helpers.exercises import NOT_ATTEMPTED, Mistake
from helpers.measure.timeline import Timeline

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "04-tasks-and-gather.ipynb"


def notebook_namespace() -> dict:
    """What 04-tasks-and-gather defines before its exercises, as the exercises use it."""

    async def answer(name: str, seconds: float) -> str:
        await asyncio.sleep(seconds)
        return name

    return {
        "asyncio": asyncio,
        "Timeline": Timeline,
        "MIRRORS": {"mirror A": 0.3, "mirror B": 0.1, "mirror C": 0.2},
        "answer": answer,
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
