"""The checks of 09-cpu-in-depth pass the solutions the notebook shows and catch named mistakes."""

import hashlib
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from multiprocessing import shared_memory
from pathlib import Path

import numpy as np
import pytest
from solutions import WrongAnswer, exercises, grade, wrong_answers

from helpers.cpu.transfer import shared_array_sum
from helpers.cpu.workloads import sum_of_squares, sum_of_squares_closed
from helpers.exercises import NOT_ATTEMPTED, Mistake

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "09-cpu-in-depth.ipynb"
pytestmark = pytest.mark.usefixtures("no_worker_left_behind")


def notebook_namespace() -> dict:
    """What 09-cpu-in-depth defines before its exercises, as the exercises use it."""
    return {
        "hashlib": hashlib,
        "np": np,
        "ProcessPoolExecutor": ProcessPoolExecutor,
        "ThreadPoolExecutor": ThreadPoolExecutor,
        "shared_memory": shared_memory,
        "shared_array_sum": shared_array_sum,
        "sum_of_squares": sum_of_squares,
        "sum_of_squares_closed": sum_of_squares_closed,
    }


WRONG_ANSWERS = {
    "check_digest_all": {
        "a plain loop, no threads": WrongAnswer(
            """
def digest_all(buffers, threads):
    return [hashlib.sha256(b).hexdigest() for b in buffers]
""",
            says=r"at most 1 hash was in progress at a time, in 3 tries: the buffers were hashed",
        ),
        "results in the order they finished": WrongAnswer(
            """
from concurrent.futures import as_completed

def digest_all(buffers, threads):
    with ThreadPoolExecutor(threads) as pool:
        futures = [pool.submit(lambda b: hashlib.sha256(b).hexdigest(), b) for b in buffers]
        return [f.result() for f in as_completed(futures)][::-1]
""",
            says=r"right digests in another order",
        ),
        "the threads argument ignored": WrongAnswer(
            """
def digest_all(buffers, threads):
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda b: hashlib.sha256(b).hexdigest(), buffers))
""",
            says=r"with threads=1, \d+ hashes were in progress at once",
        ),
        "sha256 imported by name, out of the check's sight": WrongAnswer(
            """
from hashlib import sha256

def digest_all(buffers, threads):
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda b: sha256(b).hexdigest(), buffers))
""",
            says=r"hashlib.sha256 was not called through the name hashlib",
        ),
        "raw digests, not hex": WrongAnswer(
            """
def digest_all(buffers, threads):
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda b: hashlib.sha256(b).digest(), buffers))
""",
            says=r"return a list of hashlib.sha256\(buffer\).hexdigest\(\)",
        ),
    },
    "check_exact_sum": {
        "NumPy's int64 one-liner, which overflows": WrongAnswer(
            """
def exact_sum_of_squares(n):
    a = np.arange(n, dtype=np.int64)
    return int((a * a).sum())
""",
            says=r"exact_sum_of_squares\(10,000,000\) returned .*int64 sum wraps around",
        ),
        "floating point": WrongAnswer(
            """
def exact_sum_of_squares(n):
    a = np.arange(n, dtype=np.float64)
    return int((a * a).sum())
""",
            says=r"exact_sum_of_squares\(1,000,000\) returned .*, not 333,332,833,333,500,000",
        ),
        "a float returned": WrongAnswer(
            """
def exact_sum_of_squares(n):
    a = np.arange(n, dtype=np.float64)
    return (a * a).sum()
""",
            says=r"returned a float(64)?: return an int",
        ),
        "one past the end": WrongAnswer(
            """
def exact_sum_of_squares(n):
    total = 0
    for start in range(1, n + 1, 10_000):
        a = np.arange(start, min(n + 1, start + 10_000), dtype=np.int64)
        total += int((a * a).sum())
    return total
""",
            says=r"range\(n\) stops before n",
        ),
        "an array of Python ints, one object at a time": WrongAnswer(
            """
def exact_sum_of_squares(n):
    a = np.arange(n, dtype=object)
    return int((a * a).sum())
""",
            says=r"not vectorised",
        ),
        "the closed form": WrongAnswer(
            """
def exact_sum_of_squares(n):
    return sum_of_squares_closed(n)
""",
            says=r"that is the closed form",
        ),
    },
    "check_shared_sum": {
        "the array pickled with the task": WrongAnswer(
            """
def shared_sum(pool, array):
    return pool.submit(np.sum, array).result()
""",
            says=r"a task of [\d,]+ bytes was submitted for an array of [\d,]+: the array itself",
        ),
        "summed here, not in the pool": WrongAnswer(
            """
def shared_sum(pool, array):
    return int(array.sum())
""",
            says=r"nothing was submitted to the pool",
        ),
        "the block never unlinked": WrongAnswer(
            """
def shared_sum(pool, array):
    block = shared_memory.SharedMemory(create=True, size=array.nbytes)
    view = np.ndarray(array.shape, dtype=array.dtype, buffer=block.buf)
    view[:] = array
    del view
    total = pool.submit(shared_array_sum, block.name, array.shape, array.dtype.str).result()
    block.close()
    return total
""",
            says=r"a shared-memory block outlived shared_sum: call block.unlink\(\)",
        ),
        "the data never copied in": WrongAnswer(
            """
def shared_sum(pool, array):
    block = shared_memory.SharedMemory(create=True, size=array.nbytes)
    try:
        return pool.submit(shared_array_sum, block.name, array.shape, array.dtype.str).result()
    finally:
        block.close()
        block.unlink()
""",
            says=r"shared_sum returned 0, the array sums to [\d,]+: copy the array into the block",
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


def test_the_checks_put_back_the_names_they_watch():
    namespace = notebook_namespace()
    solution = {e.check: e.solution for e in exercises(NOTEBOOK)}
    grade(NOTEBOOK, "check_digest_all", solution["check_digest_all"], namespace)
    grade(NOTEBOOK, "check_shared_sum", solution["check_shared_sum"], namespace)
    assert namespace["hashlib"] is hashlib and namespace["shared_memory"] is shared_memory
