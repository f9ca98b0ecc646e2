"""The checks of 06-choosing-a-model pass the solutions the notebook shows and catch mistakes."""

from pathlib import Path

import pytest
from solutions import WrongAnswer, exercises, grade, wrong_answers

from helpers.exercises import NOT_ATTEMPTED, Mistake
from helpers.lessons.choose import choose_model
from helpers.server.process import SlowServer

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "06-choosing-a-model.ipynb"

MEASURE_REQUESTS = next(
    exercise.solution
    for exercise in exercises(NOTEBOOK)
    if exercise.check == "check_measure_requests"
)


def notebook_namespace() -> dict:
    """What 06-choosing-a-model defines before its exercises, as the exercises use it."""
    return {"choose_model": choose_model, "SlowServer": SlowServer, "POOL": 20}


def with_measure_requests(code: str) -> str:
    """A judgement exercise's answer, after exercise 1's solution (the check uses both)."""
    assert MEASURE_REQUESTS is not None, "06 shows exercise 1's solution"
    return MEASURE_REQUESTS + code


WRONG_ANSWERS = {
    "check_measure_requests": {
        "wall-clock time reported as processor time": WrongAnswer(
            """
import time
import aiohttp

async def measure_requests(url, n):
    async with aiohttp.ClientSession() as session:
        began = time.perf_counter()
        for _ in range(n):
            async with session.get(url) as response:
                await response.read()
        wall = (time.perf_counter() - began) / n
    return wall, wall
""",
            says=r"that is wall-clock time again\. A process's processor time is "
            r"time\.process_time\(\)",
        ),
        "totals, not per request": WrongAnswer(
            """
import time
import aiohttp

async def measure_requests(url, n):
    async with aiohttp.ClientSession() as session:
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(n):
            async with session.get(url) as response:
                await response.read()
    return time.perf_counter() - wall, time.process_time() - cpu
""",
            says=r"are totals for 20 requests: divide both by n",
        ),
        "requests gathered, so the waits overlap": WrongAnswer(
            """
import asyncio
import time
import aiohttp

async def measure_requests(url, n):
    async def one(session):
        async with session.get(url) as response:
            await response.read()

    async with aiohttp.ClientSession() as session:
        wall, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(one(session) for _ in range(n)))
        return (time.perf_counter() - wall) / n, (time.process_time() - cpu) / n
""",
            says=r"the server held \d+ requests at once: send them one after another",
        ),
    },
    "check_slow_or_fast": {
        "a latency threshold instead of a judgement": WrongAnswer(
            with_measure_requests("""
def judge(wall_s, cpu_s):
    return choose_model("io", slow_io=wall_s > 0.01)
"""),
            says=r"judge\(0\.05, 0\.01\) = 'asyncio'.* not the latency alone",
        ),
        "cpu ÷ wall, upside down": WrongAnswer(
            with_measure_requests("""
def judge(wall_s, cpu_s):
    return choose_model("io", slow_io=cpu_s / wall_s > POOL)
"""),
            says=r"judge\(0\.002, 1e-05\) = 'threads': 2 ms per request of which 10 µs computing",
        ),
        "asyncio for all I/O": WrongAnswer(
            with_measure_requests("""
def judge(wall_s, cpu_s):
    return "asyncio"
"""),
            says=r"judge\(0\.05, 0\.01\) = 'asyncio'.*fewer than a pool's 20 threads",
        ),
    },
}


@pytest.mark.parametrize("exercise", exercises(NOTEBOOK), ids=str)
def test_reference_solution_passes(exercise, capsys):
    code = exercise.solution
    if exercise.check == "check_slow_or_fast":
        code = with_measure_requests(code)
    assert grade(NOTEBOOK, exercise.check, code, notebook_namespace()) is True
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
