"""Self-checks for the exercises of notebook 07-cpu-benchmark."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from helpers.bench.cpu import pool_map_chunksize
from helpers.exercises import Mistake, answer, passed
from helpers.lessons.amdahl import fit_serial_fraction

CHUNK_CASES = [(20, 2), (20, 8), (16, 2), (1_000, 2), (7, 1), (3, 4), (0, 4)]
ARTICLE_SPEEDUP = 16.01 / 5.02  # the article's loop time over its Pool.map time
ARTICLE_CORES = 8  # the exercise's supposition


def check_chunksize_for(namespace: Mapping[str, Any]) -> bool:
    """07-cpu-benchmark, exercise 1: chunksize_for(items, workers) matches Pool.map's rule."""
    chunksize_for = answer(namespace, "chunksize_for", "chunksize_for(items, workers)")
    if chunksize_for is None:
        return False
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


def check_article_amdahl(namespace: Mapping[str, Any]) -> bool:
    """07-cpu-benchmark, exercise 2: article_serial and article_ceiling from Amdahl's law."""
    serial = answer(namespace, "article_serial", "article_serial (a fraction)")
    ceiling = answer(namespace, "article_ceiling", "article_ceiling (a speed-up)")
    if serial is None or ceiling is None:
        return False
    expected = fit_serial_fraction({ARTICLE_CORES: ARTICLE_SPEEDUP})
    if abs(serial - 1 / ARTICLE_SPEEDUP) < 1e-3:
        raise Mistake(
            f"article_serial = {serial:.3f} is 1 / speed-up, the share of the loop's time the "
            "pool took. Amdahl's serial fraction f solves 1 / S = f + (1 - f) / p with p = 8"
        )
    if abs(serial - (1 - expected)) < 1e-3:
        raise Mistake(
            f"article_serial = {serial:.3f} is the parallel fraction 1 - f: the serial one is "
            f"{expected:.3f}"
        )
    if abs(serial - expected) >= 1e-3:
        raise Mistake(
            f"article_serial = {serial:.3f}: solve 1 / S = f + (1 - f) / p for f, with "
            f"S = 16.01 / 5.02 and p = {ARTICLE_CORES}"
        )
    if abs(ceiling - ARTICLE_CORES) < 0.05:
        raise Mistake(
            "article_ceiling is the limit for any number of cores, not the 8 of the machine: "
            "as p grows, (1 - f) / p vanishes and 1 / S tends to f"
        )
    if abs(ceiling - 1 / (1 - serial)) < 0.05:
        raise Mistake("article_ceiling is 1 / f, the serial fraction, not 1 / (1 - f)")
    if abs(ceiling - 1 / expected) >= 0.05:
        raise Mistake(f"article_ceiling = {ceiling:.2f}: with infinitely many cores S = 1 / f")
    return passed(
        f"about {serial:.0%} serial, if the article's machine had {ARTICLE_CORES} cores: then no "
        f"machine would run it more than {ceiling:.1f}x faster than the loop"
    )
