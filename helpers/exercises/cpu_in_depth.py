"""Self-checks for the exercises of notebook 13-cpu-in-depth.

Each check reads quantities a busy machine cannot fake: how many hashes were in progress at the
same moment (the check watches `hashlib.sha256` through the notebook's namespace), and the
processor time an answer needs against the plain loop's measured in the same call.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from helpers.cpu.workloads import sum_of_squares, sum_of_squares_closed
from helpers.exercises import Mistake, answer, bypass, passed, watchdog

BUFFERS = 8
BUFFER_SIZE = 4 * 2**20  # each hash takes milliseconds: long enough to overlap on threads
TRIES = 3  # a busy machine may run the threads one after another once; not three times
EXACT_SMALL = [0, 1, 2, 3, 10, 1_000]
EXACT_LARGE = [10**7, 3 * 10**7]
TIMED_N = 10**6
MIN_GAIN = 3  # the loop's processor time over the answer's, at TIMED_N
CLOSED_FORM_S = 1e-4  # any vectorised sum over 3e7 numbers takes far longer than this


class _WatchedHashlib:
    """hashlib, except that each sha256(data) call is timed; what the namespace's name points to."""

    def __init__(self) -> None:
        self.spans: list[tuple[float, float]] = []
        self._lock = threading.Lock()

    def sha256(self, data: bytes = b"", **options: Any) -> Any:
        start = time.perf_counter()
        digest = hashlib.sha256(data, **options)
        end = time.perf_counter()
        with self._lock:
            self.spans.append((start, end))
        return digest

    def __getattr__(self, name: str) -> Any:
        return getattr(hashlib, name)

    def most_at_once(self) -> int:
        events = sorted(
            [(start, 1) for start, _ in self.spans] + [(end, -1) for _, end in self.spans]
        )
        return max(itertools.accumulate(change for _, change in events), default=0)


def _watched_run(
    namespace: Any, digest_all: Callable[..., Any], buffers: list[bytes], threads: int
) -> tuple[Any, _WatchedHashlib]:
    watched = _WatchedHashlib()
    original = namespace.get("hashlib")
    namespace["hashlib"] = watched
    try:
        with watchdog.blocking(f"digest_all(buffers, {threads})"):
            return digest_all(buffers, threads), watched
    finally:
        namespace["hashlib"] = original


def check_digest_all(namespace: Any) -> bool | None:
    """13-cpu-in-depth, exercise 1: digest_all(buffers, threads) hashes on a pool of threads.

    Requires: a list of the hex digests in the order of buffers, hashlib.sha256 called through
    the notebook's name, two hashes in progress at once with threads=2, one with threads=1.
    """
    digest_all = answer(namespace, "digest_all", "def digest_all(buffers, threads)")
    if digest_all is None:
        return None
    buffers = [os.urandom(BUFFER_SIZE) for _ in range(BUFFERS)]
    expected = [hashlib.sha256(buffer).hexdigest() for buffer in buffers]
    results, watched = _watched_run(namespace, digest_all, buffers, 2)
    for _ in range(TRIES - 1):
        if watched.most_at_once() >= 2 or not watched.spans or results != expected:
            break
        results, watched = _watched_run(namespace, digest_all, buffers, 2)
    if not isinstance(results, list) and isinstance(results, Iterable):
        raise Mistake(
            f"digest_all returned a {type(results).__name__}, not a list: pool.map returns an "
            "iterator, which can be read only once; return list(pool.map(...))"
        )
    if results != expected:
        if isinstance(results, list) and sorted(map(str, results)) == sorted(expected):
            raise Mistake(
                "digest_all returned the right digests in another order: return them in the "
                "order of buffers (pool.map keeps it; as_completed does not)"
            )
        raise Mistake(
            f"digest_all returned {str(results)[:80]!r}: return a list of "
            "hashlib.sha256(buffer).hexdigest(), one per buffer, in order"
        )
    if not watched.spans:
        raise Mistake(
            "hashlib.sha256 was not called through the name hashlib in this notebook: call "
            "hashlib.sha256(buffer) (not `from hashlib import sha256`), on threads of this process"
        )
    if watched.most_at_once() < 2:
        raise Mistake(
            f"with threads=2, at most 1 hash was in progress at a time, in {TRIES} tries: the "
            "buffers were hashed one after another. Hash them on a ThreadPoolExecutor(threads)"
        )
    _, alone = _watched_run(namespace, digest_all, buffers, 1)
    if alone.most_at_once() > 1:
        raise Mistake(
            f"with threads=1, {alone.most_at_once()} hashes were in progress at once: use the "
            "`threads` argument as the pool's number of threads"
        )
    return passed(
        f"the digests are right and in order, and {watched.most_at_once()} hashes ran at once "
        "on 2 threads (hashlib releases the GIL)"
    )


def _cpu(func: Callable[[], object]) -> float:
    start = time.process_time()
    func()
    return time.process_time() - start


def check_exact_sum(namespace: Mapping[str, Any]) -> bool | None:
    """13-cpu-in-depth, exercise 2: exact_sum_of_squares(n) with NumPy, exact up to 3e7.

    Requires: an int, exact for small n and up to 3e7 (past int64), vectorised (far less
    processor time than the loop), neither the closed form nor the course's own exact sum.
    """
    exact = answer(namespace, "exact_sum_of_squares", "def exact_sum_of_squares(n)")
    if exact is None:
        return None
    bypass.refuse_references(
        exact,
        ["helpers.cpu.vectorised.sum_of_squares_exact"],
        "write the chunked NumPy sum yourself: square and add int64 arrays in chunks, then add "
        "the chunk sums as Python ints",
    )

    def check(n: int) -> None:
        with watchdog.blocking(f"exact_sum_of_squares({n:,})"):
            result = exact(n)
        expected = sum_of_squares_closed(n)
        if isinstance(result, bool) or not isinstance(result, (int, np.integer)):
            raise Mistake(
                f"exact_sum_of_squares({n:,}) returned a {type(result).__name__}: return an int "
                "(floats keep 53 bits, too few for these sums)"
            )
        if result != expected:
            hint = (
                "range(n) stops before n: np.arange(n), not np.arange(1, n + 1)"
                if result == sum_of_squares_closed(n + 1)
                else "an int64 sum wraps around past 2**63: sum chunks in int64, then add the "
                "chunk sums as Python ints"
                if n >= 10**7
                else "compare with sum(i * i for i in range(n))"
            )
            raise Mistake(
                f"exact_sum_of_squares({n:,}) returned {result:,}, not {expected:,}: {hint}"
            )

    for n in [*EXACT_SMALL, TIMED_N]:
        check(n)
    answer_cpu = min(_cpu(lambda: exact(TIMED_N)) for _ in range(3))
    loop_cpu = min(_cpu(lambda: sum_of_squares(TIMED_N)) for _ in range(3))
    if answer_cpu * MIN_GAIN > loop_cpu:
        raise Mistake(
            f"at n = {TIMED_N:,} your sum took {answer_cpu:.3f} s of processor time and the plain "
            f"loop {loop_cpu:.3f} s: not vectorised. Square and add whole arrays of int64 in NumPy "
            "(an array of dtype=object computes one Python int at a time)"
        )
    for n in EXACT_LARGE:
        check(n)
    started = time.perf_counter()
    exact(EXACT_LARGE[-1])
    if time.perf_counter() - started < CLOSED_FORM_S:
        raise Mistake(
            "that is the closed form, which needs no loop: vectorise the sum itself with NumPy"
        )
    return passed(
        f"exact up to {EXACT_LARGE[-1]:,}, with {loop_cpu / max(answer_cpu, 1e-9):.0f}x less "
        "processor time than the loop"
    )
