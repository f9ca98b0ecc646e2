"""The checks of 07-cpu-benchmark pass the solutions the notebook shows and catch named mistakes."""

import math
from pathlib import Path

import pytest
from solutions import WrongAnswer, exercises, grade, wrong_answers

from helpers.bench.cpu import pool_map_chunksize
from helpers.exercises import NOT_ATTEMPTED, Mistake

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "07-cpu-benchmark.ipynb"


def notebook_namespace() -> dict:
    """What 07-cpu-benchmark defines before its exercises, as the exercises use it."""
    return {
        "math": math,
        "pool_map_chunksize": pool_map_chunksize,
    }


WRONG_ANSWERS = {
    "check_chunksize_for": {
        "rounded down": WrongAnswer(
            """
def chunksize_for(items, workers):
    return items // (4 * workers)
""",
            says=r"20 items on 2 workers: Pool.map uses chunks of 3, not 2\. You rounded down",
        ),
        "divided by the workers only": WrongAnswer(
            """
def chunksize_for(items, workers):
    return math.ceil(items / workers)
""",
            says=r"chunks of 3, not 10\. Pool.map divides by 4 × workers, not by workers",
        ),
        "at least one, even for no items": WrongAnswer(
            """
def chunksize_for(items, workers):
    return max(1, math.ceil(items / (4 * workers)))
""",
            says=r"0 items on 4 workers: Pool.map uses chunks of 0, not 1",
        ),
    },
    "check_pool_map_ceiling": {
        "no waves: the worker count": WrongAnswer(
            """
def pool_map_ceiling(tasks, workers):
    return min(tasks, workers)
""",
            says=r"20 tasks on 2 workers: at best 1\.82x, not 2\.00x\. Whole tasks run in waves",
        ),
        "waves of single tasks, chunks ignored": WrongAnswer(
            """
def pool_map_ceiling(tasks, workers):
    return tasks / math.ceil(tasks / workers)
""",
            says=r"Right for chunks of 1, but Pool\.map sends chunks of 3",
        ),
        "chunks dealt out in turn, last chunk counted whole": WrongAnswer(
            """
def pool_map_ceiling(tasks, workers):
    chunksize = pool_map_chunksize(tasks, workers)
    chunks = math.ceil(tasks / chunksize)
    return tasks / (math.ceil(chunks / workers) * chunksize)
""",
            says=r"20 tasks on 2 workers: at best 1\.82x, not 1\.67x\. The speed-up is tasks /",
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
