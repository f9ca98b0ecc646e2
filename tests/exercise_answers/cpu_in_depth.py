"""What 09-cpu-in-depth defines before its exercises, and named wrong answers to them."""

import hashlib
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from multiprocessing import shared_memory

import numpy as np
from solutions import WrongAnswer

from helpers.cpu.transfer import shared_array_sum
from helpers.cpu.workloads import sum_of_squares, sum_of_squares_closed


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
        "the closed form": WrongAnswer(
            """
def exact_sum_of_squares(n):
    return sum_of_squares_closed(n)
""",
            says=r"that is the closed form",
            kind="bypass",
        ),
    },
    "check_shared_sum": {
        "the array pickled with the task": WrongAnswer(
            """
def shared_sum(pool, array):
    return pool.submit(np.sum, array).result()
""",
            says=r"a task of [\d,]+ bytes was submitted for an array of [\d,]+: the array itself",
            kind="structure",
        ),
        "summed here, not in the pool": WrongAnswer(
            """
def shared_sum(pool, array):
    return int(array.sum())
""",
            says=r"nothing was submitted to the pool",
            kind="structure",
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
            kind="half",
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
            kind="other",
        ),
    },
}


# Kinds that no wrong answer here covers, with the reason they do not apply (issue 23).
NOT_APPLICABLE: dict[str, dict[str, str]] = {}
