"""Self-checks for the exercises of notebook 07-cpu-benchmark."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from helpers.bench.cpu import pool_map_chunksize
from helpers.exercises import Mistake, answer, passed
from helpers.lessons.waves import busiest_worker_tasks

CHUNK_CASES = [(20, 2), (20, 8), (16, 2), (1_000, 2), (7, 1), (3, 4), (0, 4)]
CEILING_CASES = [(20, 1), (20, 2), (20, 3), (20, 4), (20, 8), (20, 16), (1_000, 2), (3, 4)]
ARTICLE_CORES = [(20, 8), (20, 16)]


def check_chunksize_for(namespace: Mapping[str, Any]) -> bool | None:
    """07-cpu-benchmark, exercise 1: chunksize_for(items, workers) matches Pool.map's rule."""
    chunksize_for = answer(namespace, "chunksize_for", "chunksize_for(items, workers)")
    if chunksize_for is None:
        return None
    for items, workers in CHUNK_CASES:
        expected, got = pool_map_chunksize(items, workers), chunksize_for(items, workers)
        if got == expected:
            continue
        case = f"{items} items on {workers} workers: Pool.map uses chunks of {expected}, not {got}"
        if got == items // (4 * workers):
            raise Mistake(f"{case}. You rounded down: any remainder adds one to the chunk size")
        if got in (math.ceil(items / workers), items // workers):
            raise Mistake(f"{case}. Pool.map divides by 4 × workers, not by workers")
        if got == round(items / (4 * workers)):
            raise Mistake(f"{case}. round() goes to the nearest: Pool.map always rounds up")
        raise Mistake(f"{case}. The rule: divmod(items, 4 * workers), plus one if any remainder")
    return passed(f"chunksize_for matches Pool.map on {len(CHUNK_CASES)} cases")


def _pool_map_ceiling(tasks: int, workers: int) -> float:
    """The best speed-up Pool.map reaches on equal tasks: tasks over the busiest worker's share."""
    return tasks / busiest_worker_tasks(tasks, workers, pool_map_chunksize(tasks, workers))


def check_pool_map_ceiling(namespace: Mapping[str, Any]) -> bool | None:
    """07-cpu-benchmark, exercise 2: pool_map_ceiling(tasks, workers) counts Pool.map's waves."""
    ceiling = answer(namespace, "pool_map_ceiling", "pool_map_ceiling(tasks, workers)")
    if ceiling is None:
        return None
    got = {case: ceiling(*case) for case in CEILING_CASES}

    def all_close(rule: Callable[[int, int], float]) -> bool:
        return all(abs(got[case] - rule(*case)) < 1e-9 for case in CEILING_CASES)

    for (tasks, workers), value in got.items():
        expected = _pool_map_ceiling(tasks, workers)
        if abs(value - expected) < 1e-9:
            continue
        case = f"{tasks} tasks on {workers} workers: at best {expected:.2f}x, not {value:.2f}x"
        if all_close(lambda t, w: min(t, w)):
            raise Mistake(
                f"{case}. Whole tasks run in waves: the run lasts as long as the busiest worker's "
                "share of the tasks, not tasks / workers"
            )
        if all_close(lambda t, w: t / math.ceil(t / w)):
            raise Mistake(
                f"{case}. Right for chunks of 1, but Pool.map sends chunks of "
                f"{pool_map_chunksize(tasks, workers)}: count the busiest worker's tasks when "
                "each chunk goes to the worker free first"
            )
        raise Mistake(f"{case}. The speed-up is tasks / the busiest worker's tasks")
    on_8, on_16 = (ceiling(*case) for case in ARTICLE_CORES)
    return passed(
        f"pool_map_ceiling matches on {len(CEILING_CASES)} cases: the article's 20 sums reach at "
        f"most {on_8:.1f}x on 8 cores and {on_16:.1f}x on 16, however fast the start-up"
    )
