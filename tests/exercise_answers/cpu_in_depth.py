"""What 13-cpu-in-depth defines before its exercises, and named wrong answers to them."""

import hashlib
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
from solutions import WrongAnswer

from helpers.cpu.vectorised import sum_of_squares_exact, sum_of_squares_int64
from helpers.cpu.workloads import sum_of_squares, sum_of_squares_closed


def notebook_namespace() -> dict:
    """What 13-cpu-in-depth defines before its exercises, as the exercises use it."""
    return {
        "hashlib": hashlib,
        "np": np,
        "ProcessPoolExecutor": ProcessPoolExecutor,
        "ThreadPoolExecutor": ThreadPoolExecutor,
        "sum_of_squares": sum_of_squares,
        "sum_of_squares_closed": sum_of_squares_closed,
        "sum_of_squares_exact": sum_of_squares_exact,
        "sum_of_squares_int64": sum_of_squares_int64,
    }


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
            """
def digest_all(buffers, threads):
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda b: hashlib.sha256(b).hexdigest(), buffers))
""",
            says=r"with threads=1, \d+ hashes were in progress at once",
            kind="other",
        ),
        "sha256 imported by name, out of the check's sight": WrongAnswer(
            """
from hashlib import sha256

def digest_all(buffers, threads):
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda b: sha256(b).hexdigest(), buffers))
""",
            says=r"hashlib.sha256 was not called through the name hashlib",
            kind="other",
        ),
        "pool.map's iterator, not a list": WrongAnswer(
            """
def digest_all(buffers, threads):
    with ThreadPoolExecutor(threads) as pool:
        return pool.map(lambda b: hashlib.sha256(b).hexdigest(), buffers)
""",
            says=r"digest_all returned a generator, not a list",
            kind="other",
        ),
        "raw digests, not hex": WrongAnswer(
            """
def digest_all(buffers, threads):
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda b: hashlib.sha256(b).digest(), buffers))
""",
            says=r"return a list of hashlib.sha256\(buffer\).hexdigest\(\)",
            kind="other",
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
            kind="luck",
        ),
        "floating point": WrongAnswer(
            """
def exact_sum_of_squares(n):
    a = np.arange(n, dtype=np.float64)
    return int((a * a).sum())
""",
            says=r"exact_sum_of_squares\(1,000,000\) returned .*, not 333,332,833,333,500,000",
            kind="luck",
        ),
        "a float returned": WrongAnswer(
            """
def exact_sum_of_squares(n):
    a = np.arange(n, dtype=np.float64)
    return (a * a).sum()
""",
            says=r"returned a float(64)?: return an int",
            kind="other",
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
            kind="other",
        ),
        "an array of Python ints, one object at a time": WrongAnswer(
            """
def exact_sum_of_squares(n):
    a = np.arange(n, dtype=object)
    return int((a * a).sum())
""",
            says=r"not vectorised",
            kind="structure",
        ),
        "the course's own exact sum, imported by the setup cell": WrongAnswer(
            """
def exact_sum_of_squares(n):
    return sum_of_squares_exact(n)
""",
            says=r"the answer calls helpers\.cpu\.vectorised\.sum_of_squares_exact",
            kind="bypass",
        ),
        "the closed form": WrongAnswer(
            """
def exact_sum_of_squares(n):
    return sum_of_squares_closed(n)
""",
            says=r"that is the closed form",
            kind="bypass",
        ),
    },
}


# Kinds that no wrong answer here covers, with the reason they do not apply (issue 23).
NOT_APPLICABLE: dict[str, dict[str, str]] = {
    "check_digest_all": {
        "bypass": "no library or course function hashes a list of buffers on threads",
        "half": "digest_all has one path: no error, cancellation or timeout is in the exercise",
        "hang": "independent hashes on a thread pool cannot wait on each other; the watchdog "
        "guards the call all the same",
    },
    "check_exact_sum": {
        "half": "a pure computation with one path: no error, cancellation or timeout",
        "hang": "nothing in it waits; the watchdog guards the call all the same",
    },
}
