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

from helpers.exercises import Mistake, answer, passed, self_check, watchdog

BUFFERS = 8
BUFFER_SIZE = 4 * 2**20  # each hash takes milliseconds: long enough to overlap on threads
TRIES = 3  # a busy machine may run the threads one after another once; not three times
MAX_VALUE = 3 * 10**7  # the values' magnitude: each square fits in int64, their sums do not
TIMED_SIZE = 10**6
LARGE_SIZE = 3 * 10**6  # about 9e20 summed: far past int64's 9.2e18
MIN_GAIN = 3  # a Python loop's processor time over the answer's, on TIMED_SIZE values


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


@self_check
def check_digest_all(namespace: Any) -> bool | None:
    """13-cpu-in-depth, exercise 1: digest_all(buffers, threads) hashes on a pool of threads.

    Requires: a list of the hex digests in the order of buffers, hashlib.sha256 called through
    the notebook's name, two hashes in progress at once with threads=2, one with threads=1.
    """
    digest_all = answer(namespace, "digest_all", "def digest_all(buffers, threads)")
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


def _exact_reference(values: np.ndarray) -> int:
    """The exact sum of squares of values, in int64 chunks small enough never to wrap."""
    return sum(
        int((chunk * chunk).sum()) for chunk in np.array_split(values, max(1, len(values) // 5_000))
    )


def _values(size: int, seed: int) -> np.ndarray:
    """size int64 values, negative and positive, unsorted, each below MAX_VALUE in magnitude."""
    return np.random.default_rng(seed).integers(-MAX_VALUE, MAX_VALUE, size=size, dtype=np.int64)


@self_check
def check_exact_squares(namespace: Mapping[str, Any]) -> bool | None:
    """13-cpu-in-depth, exercise 2: exact_sum_of_squares_of(values), exact and vectorised.

    Requires: an int, exact on small arrays (empty, one value, negatives) and on a large one
    whose sum of squares is past int64, vectorised (far less processor time than a Python loop
    over the same array, measured in the same call).
    """
    exact = answer(namespace, "exact_sum_of_squares_of", "def exact_sum_of_squares_of(values)")

    def check(values: np.ndarray) -> None:
        with watchdog.blocking(f"exact_sum_of_squares_of(<{len(values):,} values>)"):
            result = exact(values.copy())
        expected = _exact_reference(values)
        if isinstance(result, bool) or not isinstance(result, (int, np.integer)):
            raise Mistake(
                f"exact_sum_of_squares_of(<{len(values):,} values>) returned a "
                f"{type(result).__name__}: return an int (floats keep 53 bits, too few here)"
            )
        if result != expected:
            hint = (
                "an int64 sum wraps around past 2**63: sum chunks in int64, sized by the largest "
                "square (below MAX_VALUE**2), not the typical one, then add the chunk sums as "
                "Python ints"
                if expected > np.iinfo(np.int64).max
                else "compare with sum(int(v) ** 2 for v in values)"
            )
            raise Mistake(
                f"exact_sum_of_squares_of(<{len(values):,} values>) returned {int(result):,}, "
                f"not {expected:,}: {hint}"
            )

    small = [
        np.array([], dtype=np.int64),
        np.array([7], dtype=np.int64),
        np.array([3, -4, 12], dtype=np.int64),
        _values(25_001, seed=1),  # not a multiple of any round chunk size
        # every square near the bound: a chunk of more than 10,248 of them wraps around
        np.resize(np.array([MAX_VALUE - 1, 1 - MAX_VALUE], dtype=np.int64), 50_000),
    ]
    for values in small:
        check(values)
    timed = _values(TIMED_SIZE, seed=2)
    answer_cpu = min(_cpu(lambda: exact(timed)) for _ in range(3))
    plain = timed.tolist()
    loop_cpu = min(_cpu(lambda: sum(v * v for v in plain)) for _ in range(3))
    if answer_cpu * MIN_GAIN > loop_cpu:
        raise Mistake(
            f"on {TIMED_SIZE:,} values your sum took {answer_cpu:.3f} s of processor time and a "
            f"Python loop {loop_cpu:.3f} s: not vectorised. Square and add whole int64 arrays in "
            "NumPy (dtype=object, or a loop over the values, computes one Python int at a time)"
        )
    check(_values(LARGE_SIZE, seed=3))
    return passed(
        f"exact on {LARGE_SIZE:,} values (a sum past int64), with "
        f"{loop_cpu / max(answer_cpu, 1e-9):.0f}x less processor time than a Python loop"
    )
