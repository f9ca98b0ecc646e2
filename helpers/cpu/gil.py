"""CPU work on threads: code that releases the GIL, and how to see that it does (13-cpu-in-depth).

A C extension releases the GIL around a long computation that touches no Python object
(`Py_BEGIN_ALLOW_THREADS` ... `Py_END_ALLOW_THREADS` in its C code); hashlib does so for data
over 2 KiB, zlib for any data. While it computes, other threads run Python code or the same
C code on other cores. Whether a library does this shows in the numbers: the processor time
that all the threads of a process used, divided by the wall-clock time they took, exceeds 1
only if some of them ran at the same moment.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any

from helpers.cpu.pools import gil_enabled, usable_cpus
from helpers.cpu.workloads import sum_of_squares


def sha256_rounds(buffer: bytes, rounds: int) -> str:
    """Hash buffer `rounds` times with SHA-256 (the GIL released meanwhile); the last hex digest."""
    digest = ""
    for _ in range(rounds):
        digest = hashlib.sha256(buffer).hexdigest()
    return digest


def squares_rounds(n: int, rounds: int) -> int:
    """The article's pure-Python sum of squares of range(n), `rounds` times (the GIL held)."""
    total = 0
    for _ in range(rounds):
        total = sum_of_squares(n)
    return total


@dataclass(frozen=True)
class ThreadRun:
    """How tasks ran on a pool of threads: wall-clock and processor seconds, and the results."""

    threads: int
    tasks: int
    wall: float
    cpu: float
    results: tuple[Any, ...]

    @property
    def parallelism(self) -> float:
        """Processor seconds per wall-clock second: above 1 only if threads ran at once."""
        return self.cpu / self.wall

    @property
    def throughput(self) -> float:
        """Tasks finished per wall-clock second."""
        return self.tasks / self.wall

    @property
    def cpu_per_task(self) -> float:
        """Processor seconds per task: falls only if the CPU itself ran the code faster."""
        return self.cpu / self.tasks


def on_threads(
    func: Callable[..., Any], args: Sequence[tuple[Any, ...]], threads: int
) -> ThreadRun:
    """Run func(*a) for each a in args on a pool of `threads` threads, started beforehand."""
    if threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda _: None, range(threads)))  # start the threads before measuring
        wall, cpu = time.perf_counter(), time.process_time()
        results = tuple(pool.map(lambda a: func(*a), args))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return ThreadRun(threads, len(args), wall, cpu, results)


def thread_counts(cpus: int | None = None) -> list[int]:
    """1, 2, the CPU count and twice the CPU count of threads, each once, in order."""
    cpus = cpus or usable_cpus()
    return sorted({1, 2, cpus, 2 * cpus})


def free_threaded_build() -> bool:
    """True if this Python was built free-threaded (it may still have turned the GIL on)."""
    import sysconfig

    return bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def interpreter_pool() -> type | None:
    """concurrent.futures.InterpreterPoolExecutor (Python 3.14+), or None where it is absent."""
    import concurrent.futures

    return getattr(concurrent.futures, "InterpreterPoolExecutor", None)


def import_here(name: str) -> str:
    """Import module `name` where this runs (a worker): "imported", or the error at its root."""
    import importlib

    try:
        importlib.import_module(name)
    except ImportError as exc:
        root: BaseException = exc
        while root.__cause__ is not None or root.__context__ is not None:
            root = root.__cause__ or root.__context__  # type: ignore[assignment]
        lines = [line for line in str(root).splitlines() if line.strip()]
        return f"{type(root).__name__}: {lines[0] if lines else ''}"
    return "imported"


def start_and_stop_s(make: Callable[[], Executor], workers: int) -> float:
    """Seconds to create an executor, run a tiny task per worker, and shut it down."""
    began = time.perf_counter()
    with make() as executor:
        list(executor.map(sum_of_squares, range(workers)))
    return time.perf_counter() - began


def executors_beyond_the_gil(workers: int) -> dict[str, Callable[[], Executor]]:
    """Executors that run Python code in parallel without processes, where this Python has them.

    Threads, on a free-threaded build running without the GIL; sub-interpreters, each with its
    own GIL, through InterpreterPoolExecutor (3.14+). Empty on a Python with neither.
    """
    found: dict[str, Callable[[], Executor]] = {}
    if not gil_enabled():
        found["threads, no GIL"] = partial(ThreadPoolExecutor, workers)
    pool = interpreter_pool()
    if pool is not None:
        found["sub-interpreters"] = partial(pool, workers)
    return found
