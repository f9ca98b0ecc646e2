"""What 14-moving-data-and-pools defines before its exercises, and named wrong answers to them."""

from concurrent.futures import ProcessPoolExecutor
from multiprocessing import shared_memory

import numpy as np
from solutions import NotApplicable, WrongAnswer, named, template

from helpers.cpu.transfer import shared_array_sum


def notebook_namespace() -> dict:
    """What 14-moving-data-and-pools defines before its exercises, as the exercises use it."""
    return named(ProcessPoolExecutor, shared_memory, shared_array_sum, np=np)


# shared_sum as learners write it (no type hints): a block, then what each wrong answer does with
# it: copies the array in or not, submits the sum, cleans up
sharing = template("""
def shared_sum(pool, array):
    block = shared_memory.SharedMemory(create=True, size=array.nbytes)
    ...
    ...
    ...
""")
COPY_IN = """
view = np.ndarray(array.shape, dtype=array.dtype, buffer=block.buf)
view[:] = array
del view
"""
SUM = "pool.submit(shared_array_sum, block.name, array.shape, array.dtype.str).result()"

WRONG_ANSWERS = {
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
            sharing(COPY_IN, "total = " + SUM, "block.close()\nreturn total"),
            says=r"a shared-memory block outlived shared_sum: call block.unlink\(\)",
            kind="half",
        ),
        "the block unlinked, never closed": WrongAnswer(
            sharing(COPY_IN, f"try:\n    return {SUM}", "finally:\n    block.unlink()"),
            says=r"the block was unlinked but never closed",
            kind="half",
        ),
        "the block sized in elements, not bytes": WrongAnswer.from_solution(
            "size=array.nbytes",
            "size=array.size",
            says=r"a block of [\d,]+ bytes for an array of 8,000,000: SharedMemory's size is in "
            r"bytes\. Size it with array\.nbytes",
            kind="other",
        ),
        "the data never copied in": WrongAnswer(
            sharing(
                "", f"try:\n    return {SUM}", "finally:\n    block.close()\n    block.unlink()"
            ),
            says=r"shared_sum returned 0, the array sums to [\d,]+: copy the array into the block",
            kind="other",
        ),
    },
}


# Kinds that no wrong answer here covers, with the reason they do not apply (issue 23).
NOT_APPLICABLE: NotApplicable = {
    "check_shared_sum": {
        "luck": "the array is a million random integers, whose sum no answer that skips the "
        "copy or sums the wrong data can hit by chance",
        "bypass": "no library or course function does the parent's half: shared_array_sum, the "
        "worker's half, is handed to the learner",
        "hang": "the answer waits for one future of a live pool, which always completes; the "
        "watchdog guards the call all the same",
    },
}
