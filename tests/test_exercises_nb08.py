"""The checks of 08-beyond-one-machine pass the solution the notebook shows and catch mistakes."""

import asyncio
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from aiohttp import web
from solutions import WrongAnswer, exercises, grade, wrong_answers

from helpers.cpu.workloads import sum_of_squares
from helpers.exercises import NOT_ATTEMPTED, Mistake
from helpers.exercises.nb08 import POOL

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "08-beyond-one-machine.ipynb"
pytestmark = pytest.mark.usefixtures("no_worker_left_behind")


def notebook_namespace() -> dict:
    """What 08-beyond-one-machine defines before its exercises, as the exercises use it."""
    return {
        "asyncio": asyncio,
        "ProcessPoolExecutor": ProcessPoolExecutor,
        "sum_of_squares": sum_of_squares,
        "web": web,
        "POOL": POOL,
    }


WRONG_ANSWERS = {
    "check_sums_in": {
        "asyncio.to_thread": WrongAnswer(
            """
async def sums_in(pool, numbers):
    return list(await asyncio.gather(*(asyncio.to_thread(sum_of_squares, n) for n in numbers)))
""",
            says=r"this process spent [\d.]+ s of CPU during sums_in, against [\d.]+ s that the "
            r"sums need: it computed them itself.*asyncio.to_thread",
        ),
        "computed on the loop": WrongAnswer(
            """
async def sums_in(pool, numbers):
    return [sum_of_squares(n) for n in numbers]
""",
            says=r"it computed them itself\. A plain call runs on the loop",
        ),
        "the loop's default executor": WrongAnswer(
            """
async def sums_in(pool, numbers):
    loop = asyncio.get_running_loop()
    futures = [loop.run_in_executor(None, sum_of_squares, n) for n in numbers]
    return list(await asyncio.gather(*futures))
""",
            says=r"it computed them itself.*run_in_executor\(None, \.\.\.\) run in this process",
        ),
        "pool.map, which blocks the loop while it waits": WrongAnswer(
            """
async def sums_in(pool, numbers):
    return list(pool.map(sum_of_squares, numbers))
""",
            says=r"the heartbeat ticked [01] times while sums_in ran: the loop was blocked",
        ),
    },
    "check_compute_handler": {
        "the sum computed in the handler, on the loop": WrongAnswer(
            """
async def compute(request):
    n = int(request.query["n"])
    return web.json_response({"n": n, "sum": sum_of_squares(n)})
""",
            says=r"this process spent [\d.]+ s of CPU while the server answered \([\d.]+ s with "
            r"the sums sent to the pool\), against [\d.]+ s "
            r"that the sums need: the handler computed them itself\. A plain call holds the loop",
        ),
        "asyncio.sleep(0) sprinkled around the sum": WrongAnswer(
            """
async def compute(request):
    n = int(request.query["n"])
    await asyncio.sleep(0)
    total = sum_of_squares(n)
    await asyncio.sleep(0)
    return web.json_response({"n": n, "sum": total})
""",
            says=r"the handler computed them itself.*asyncio\.sleep\(0\) before it lets other "
            r"requests run once, before the sum starts",
        ),
        "asyncio.to_thread for pure-Python work": WrongAnswer(
            """
async def compute(request):
    n = int(request.query["n"])
    total = await asyncio.to_thread(sum_of_squares, n)
    return web.json_response({"n": n, "sum": total})
""",
            says=r"the handler computed them itself.*asyncio\.to_thread.*holds the GIL",
        ),
        "the pool, waited for with result(), which blocks the loop": WrongAnswer(
            """
async def compute(request):
    n = int(request.query["n"])
    total = request.app[POOL].submit(sum_of_squares, n).result()
    return web.json_response({"n": n, "sum": total})
""",
            says=r"the median /ping took \d+ ms while the sums ran \(\d+ ms with the sums sent to "
            r"the pool\), against \d+ ms of CPU for one "
            r"sum: the loop was blocked",
        ),
        "the sum as text, not JSON": WrongAnswer(
            """
async def compute(request):
    n = int(request.query["n"])
    loop = asyncio.get_running_loop()
    total = await loop.run_in_executor(request.app[POOL], sum_of_squares, n)
    return web.Response(text=str(total))
""",
            says=r"the answer was not JSON",
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
