"""What 07-cpu-benchmark defines before its exercises, and named wrong answers to them."""

import math

from solutions import WrongAnswer

from helpers.bench.cpu import pool_map_chunksize


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
            kind="luck",
        ),
        "divided by the workers only": WrongAnswer(
            """
def chunksize_for(items, workers):
    return math.ceil(items / workers)
""",
            says=r"chunks of 3, not 10\. Pool.map divides by 4 × workers, not by workers",
            kind="other",
        ),
        "at least one, even for no items": WrongAnswer(
            """
def chunksize_for(items, workers):
    return max(1, math.ceil(items / (4 * workers)))
""",
            says=r"0 items on 4 workers: Pool.map uses chunks of 0, not 1",
            kind="other",
        ),
    },
    "check_pool_map_ceiling": {
        "no waves: the worker count": WrongAnswer(
            """
def pool_map_ceiling(tasks, workers):
    return min(tasks, workers)
""",
            says=r"20 tasks on 2 workers: at best 1\.82x, not 2\.00x\. Whole tasks run in waves",
            kind="other",
        ),
        "waves of single tasks, chunks ignored": WrongAnswer(
            """
def pool_map_ceiling(tasks, workers):
    return tasks / math.ceil(tasks / workers)
""",
            says=r"Right for chunks of 1, but Pool\.map sends chunks of 3",
            kind="luck",
        ),
        "chunks dealt out in turn, last chunk counted whole": WrongAnswer(
            """
def pool_map_ceiling(tasks, workers):
    chunksize = pool_map_chunksize(tasks, workers)
    chunks = math.ceil(tasks / chunksize)
    return tasks / (math.ceil(chunks / workers) * chunksize)
""",
            says=r"20 tasks on 2 workers: at best 1\.82x, not 1\.67x\. The speed-up is tasks /",
            kind="other",
        ),
    },
}


# Kinds that no wrong answer here covers, with the reason they do not apply (issue 23).
NOT_APPLICABLE: dict[str, dict[str, str]] = {}
