"""What 13-cpu-in-depth defines before its exercises, and named wrong answers to them."""

import hashlib
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
from solutions import NotApplicable, WrongAnswer, named

from helpers.cpu.vectorised import sum_of_squares_exact, sum_of_squares_int64
from helpers.cpu.workloads import sum_of_squares, sum_of_squares_closed


def notebook_namespace() -> dict:
    """What 13-cpu-in-depth defines before its exercises, as the exercises use it."""
    return named(
        hashlib,
        ProcessPoolExecutor,
        ThreadPoolExecutor,
        sum_of_squares,
        sum_of_squares_closed,
        sum_of_squares_exact,
        sum_of_squares_int64,
        np=np,
    )


# the shown digest_all as learners write it (no type hints), which most wrong answers change, and
# a sum of squares in floating point
DIGESTS = """
def digest_all(buffers, threads):
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda b: hashlib.sha256(b).hexdigest(), buffers))
"""
FLOATS = """
def exact_sum_of_squares_of(values):
    floats = values.astype(np.float64)
    return int((floats * floats).sum())
"""

WRONG_ANSWERS = {
    "check_digest_all": {
        "a plain loop, no threads": WrongAnswer(
            """
def digest_all(buffers, threads):
    return [hashlib.sha256(b).hexdigest() for b in buffers]
""",
            says=r"at most 1 hash was in progress at a time, in 3 tries: the buffers were hashed",
            kind="structure",
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
            kind="luck",
        ),
        "the threads argument ignored": WrongAnswer(
            DIGESTS.replace("ThreadPoolExecutor(threads)", "ThreadPoolExecutor(8)"),
            says=r"with threads=1, \d+ hashes were in progress at once",
            kind="other",
        ),
        "sha256 imported by name, out of the check's sight": WrongAnswer(
            "from hashlib import sha256\n" + DIGESTS.replace("hashlib.sha256", "sha256"),
            says=r"hashlib.sha256 was not called through the name hashlib",
            kind="other",
        ),
        "pool.map's iterator, not a list": WrongAnswer(
            DIGESTS.replace(
                "return list(pool.map(lambda b: hashlib.sha256(b).hexdigest(), buffers))",
                "return pool.map(lambda b: hashlib.sha256(b).hexdigest(), buffers)",
            ),
            says=r"digest_all returned a generator, not a list",
            kind="other",
        ),
        "raw digests, not hex": WrongAnswer(
            DIGESTS.replace(".hexdigest()", ".digest()"),
            says=r"return a list of hashlib.sha256\(buffer\).hexdigest\(\)",
            kind="other",
        ),
    },
    "check_exact_squares": {
        "NumPy's int64 one-liner, which wraps around": WrongAnswer(
            """
def exact_sum_of_squares_of(values):
    return int((values * values).sum())
""",
            says=r"returned .*: an int64 sum wraps around past 2\*\*63",
            kind="luck",
        ),
        "np.dot, which wraps around too": WrongAnswer(
            """
def exact_sum_of_squares_of(values):
    return int(np.dot(values, values))
""",
            says=r"an int64 sum wraps around past 2\*\*63",
            kind="luck",
        ),
        "floating point": WrongAnswer(
            FLOATS,
            says=r"returned [\d,]+, not [\d,]+",
            kind="luck",
        ),
        "a float returned": WrongAnswer(
            FLOATS.replace("return int((floats * floats).sum())", "return (floats * floats).sum()"),
            says=r"returned a float(64)?: return an int",
            kind="other",
        ),
        "the last, partial chunk dropped": WrongAnswer.from_solution(
            "range(0, len(values), 10_000)",
            "range(0, len(values) - 10_000, 10_000)",
            says=r"returned [\d,]+, not [\d,]+",
            kind="other",
        ),
        "chunks sized by the typical square, not the largest": WrongAnswer.from_solution(
            "10_000",
            "25_000",
            says=r"sized by the largest square",
            kind="luck",
        ),
        "an array of Python ints, one object at a time": WrongAnswer(
            """
def exact_sum_of_squares_of(values):
    objects = values.astype(object)
    return int((objects * objects).sum())
""",
            says=r"not vectorised",
            kind="structure",
        ),
        "a Python loop over the values": WrongAnswer(
            """
def exact_sum_of_squares_of(values):
    return sum(int(v) ** 2 for v in values)
""",
            says=r"not vectorised",
            kind="structure",
        ),
    },
}


# Kinds that no wrong answer here covers, with the reason they do not apply (issue 23).
NOT_APPLICABLE: NotApplicable = {
    "check_digest_all": {
        "bypass": "no library or course function hashes a list of buffers on threads",
        "half": "digest_all has one path: no error, cancellation or timeout is in the exercise",
        "hang": "independent hashes on a thread pool cannot wait on each other; the watchdog "
        "guards the call all the same",
    },
    "check_exact_squares": {
        "bypass": "no library function sums squares exactly: np.sum and np.dot wrap around in "
        "int64 (named wrong answers), and math.sumprod goes one Python int at a time (caught as "
        "not vectorised, like the Python loop)",
        "half": "a pure computation with one path: no error, cancellation or timeout",
        "hang": "nothing in it waits; the watchdog guards the call all the same",
    },
}
