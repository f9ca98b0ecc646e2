"""The cpu benchmark: ways to compute the workload, timed in rounds (10-cpu-benchmark).

The cpu benchmark times ways of computing sum_of_squares for the article's numbers.
Each strategy supplies only how it maps the work; one harness times them all.
As in the article, a pool is created and shut down inside the timed block, so
every parallel time includes starting and stopping the workers. The harness runs
the strategies in rounds, one run of each per round, so that a change in the
machine's load during the benchmark falls on every strategy alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, replace
from multiprocessing.context import BaseContext
from multiprocessing.synchronize import Barrier
from typing import Any, TextIO

from helpers.bench.commands import run_coroutine
from helpers.bench.report import (
    Column,
    Row,
    RunConditions,
    format_ratio,
    format_table,
    report,
    result_row,
)
from helpers.cpu.pools import gil_enabled, usable_cpus
from helpers.cpu.workloads import (
    sum_of_squares,
    sum_of_squares_closed,
    wrong_results,
)
from helpers.measure.timeline import Record, run_recorded
from helpers.measure.timing import Timing, repeat_in_rounds


def run_sequential(numbers: Sequence[int], workers: int, context: BaseContext) -> list[int]:
    """Compute each number in turn in this process."""
    return [sum_of_squares(n) for n in numbers]


def run_threads(numbers: Sequence[int], workers: int, context: BaseContext) -> list[int]:
    """Map the work over a ThreadPoolExecutor; the GIL runs one at a time."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(sum_of_squares, numbers))


def run_process_pool_executor(
    numbers: Sequence[int], workers: int, context: BaseContext
) -> list[int]:
    """Map the work over a ProcessPoolExecutor, chunksize 1 as in the article."""
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(sum_of_squares, numbers))


def run_multiprocessing_pool(
    numbers: Sequence[int], workers: int, context: BaseContext
) -> list[int]:
    """Map the work over a multiprocessing.Pool, which computes a chunksize."""
    with context.Pool(processes=workers) as pool:
        return pool.map(sum_of_squares, numbers)


def pool_map_chunksize(items: int, workers: int) -> int:
    """The chunksize Pool.map picks: items / (4 * workers), rounded up."""
    if items < 0 or workers < 1:
        raise ValueError(f"need items >= 0 and workers >= 1, got items={items}, workers={workers}")
    chunksize, extra = divmod(items, 4 * workers)
    return chunksize + 1 if extra else chunksize


async def gather_in_executor(numbers: Sequence[int], executor: Executor) -> list[int]:
    """Await the work for every number with loop.run_in_executor and gather."""
    loop = asyncio.get_running_loop()
    return list(
        await asyncio.gather(*(loop.run_in_executor(executor, sum_of_squares, n) for n in numbers))
    )


def run_asyncio(numbers: Sequence[int], workers: int, context: BaseContext) -> list[int]:
    """asyncio.run gather_in_executor on a process pool, also inside Jupyter."""
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return run_coroutine(gather_in_executor(numbers, pool))


def run_closed_form(numbers: Sequence[int], workers: int, context: BaseContext) -> list[int]:
    """Compute each number from the closed form: better algorithm, no workers."""
    return [sum_of_squares_closed(n) for n in numbers]


@dataclass(frozen=True)
class CpuStrategy:
    """A named way to compute the workload; parallel ones use a worker pool, of processes or not."""

    name: str
    run: Callable[[Sequence[int], int, BaseContext], list[int]]
    parallel: bool = True
    processes: bool = False


CPU_STRATEGIES = (
    CpuStrategy("sequential", run_sequential, parallel=False),
    CpuStrategy("threads", run_threads),
    CpuStrategy("ProcessPoolExecutor", run_process_pool_executor, processes=True),
    CpuStrategy("multiprocessing.Pool", run_multiprocessing_pool, processes=True),
    CpuStrategy("asyncio + processes", run_asyncio, processes=True),
    CpuStrategy("closed form", run_closed_form, parallel=False),
)


def cpu_strategy(name: str) -> CpuStrategy:
    """The strategy in CPU_STRATEGIES with this name."""
    for strategy in CPU_STRATEGIES:
        if strategy.name == name:
            return strategy
    names = ", ".join(repr(strategy.name) for strategy in CPU_STRATEGIES)
    raise KeyError(f"no strategy named {name!r}; there are {names}")


@dataclass(frozen=True)
class CpuResult:
    """One strategy's times and whether every answer of every run was right."""

    strategy: str
    workers: int | None
    timing: Timing
    correct: bool


def _check_workload(numbers: Sequence[int], workers: Iterable[int]) -> None:
    if not numbers:
        raise ValueError("numbers is empty: give at least one number")
    if min(numbers) < 0:
        raise ValueError(f"numbers must be at least 0, got {min(numbers)}")
    for count in workers:
        if count < 1:
            raise ValueError(f"workers must be at least 1, got {count}")


@dataclass(frozen=True)
class _Entry:
    strategy: CpuStrategy
    workers: int

    @property
    def label(self) -> str:
        if not self.strategy.parallel:
            return self.strategy.name
        return f"{self.strategy.name} ({self.workers} workers)"


def _os_threads() -> int:
    """How many threads this process has for the operating system, finished ones included."""
    import psutil  # imported here: pool workers import this module and stay light

    return psutil.Process().num_threads()


def _wait_for_threads_to_leave(baseline: int, timeout_s: float = 2.0) -> None:
    """Wait until this process is back to baseline threads, so that a fork copies no others.

    A thread that Python has joined still exists for the operating system for a moment, and
    Python 3.12+ warns when a process that has several threads forks.
    """
    deadline = time.monotonic() + timeout_s
    while _os_threads() > baseline and time.monotonic() < deadline:
        time.sleep(0.001)


def _time_in_rounds(
    entries: Sequence[_Entry],
    numbers: Sequence[int],
    repeats: int,
    context: BaseContext,
    progress: TextIO | None,
) -> list[CpuResult]:
    """Run every entry once per round, repeats rounds; check each answer by the closed form."""
    labels = [entry.label for entry in entries]
    if len(set(labels)) < len(labels):
        raise ValueError(f"each strategy and worker count may appear once, got {labels}")
    answers: dict[str, list[list[int]]] = {label: [] for label in labels}
    forks = context.get_start_method() == "fork"
    baseline = _os_threads() if forks else 0

    def job(entry: _Entry) -> Callable[[], None]:
        def run() -> None:
            if forks and entry.strategy.processes:
                _wait_for_threads_to_leave(baseline)
            answers[entry.label].append(entry.strategy.run(numbers, entry.workers, context))

        return run

    timings = repeat_in_rounds({entry.label: job(entry) for entry in entries}, repeats, progress)
    return [
        CpuResult(
            entry.strategy.name,
            entry.workers if entry.strategy.parallel else None,
            timings[entry.label],
            not any(wrong_results(numbers, answer) for answer in answers[entry.label]),
        )
        for entry in entries
    ]


def run_cpu_benchmark(
    numbers: Sequence[int],
    repeats: int = 3,
    workers: int | None = None,
    strategies: Iterable[CpuStrategy] = CPU_STRATEGIES,
    start_method: str | None = None,
    progress: TextIO | None = None,
) -> list[CpuResult]:
    """Time every strategy in rounds, pool start-up included."""
    if workers is None:
        workers = usable_cpus()
    _check_workload(numbers, [workers])
    entries = [_Entry(strategy, workers) for strategy in strategies]
    context = multiprocessing.get_context(start_method)
    return _time_in_rounds(entries, numbers, repeats, context, progress)


def sum_of_squares_in_worker(n: int) -> tuple[int, Record]:
    """sum_of_squares(n) and its Record, named after the worker's process."""
    return run_recorded(sum_of_squares, n, name=f"process {os.getpid()}")


def start_together(barrier: Barrier, timeout_s: float = 30.0) -> None:
    """A pool worker's initializer: wait until every worker has started, or timeout_s."""
    with contextlib.suppress(threading.BrokenBarrierError):  # a late worker delays, never hangs
        barrier.wait(timeout_s)


def record_pool_map(
    numbers: Sequence[int], workers: int, context: BaseContext, chunksize: int
) -> list[Record]:
    """Map the work over a Pool whose workers start together; a Record per number, by worker."""
    _check_workload(numbers, [workers])
    barrier = context.Barrier(workers)
    with context.Pool(workers, initializer=start_together, initargs=(barrier,)) as pool:
        pairs = pool.map(sum_of_squares_in_worker, numbers, chunksize=chunksize)
    if wrong_results(numbers, [result for result, _ in pairs]):
        raise AssertionError("a worker returned a wrong sum")
    records = sorted((record for _, record in pairs), key=lambda record: record.start)
    rows = {name: f"worker {k}" for k, name in enumerate(dict.fromkeys(r.name for r in records), 1)}
    return [replace(record, name=rows[record.name]) for record in records]


def format_cpu_table(
    results: Sequence[CpuResult], tasks: int | None = None, cpus: int | None = None
) -> str:
    """A text table of results with speed-up over sequential and efficiency.

    Given the task count and the CPU count, it adds each strategy's ideal speed-up
    (ideal_speedup) and the share of it reached.
    """
    baseline = next((r.timing.median for r in results if r.strategy == "sequential"), None)
    rows = []
    for r in results:
        speedup = None if baseline is None else baseline / r.timing.median
        efficiency = None if speedup is None or r.workers is None else speedup / r.workers
        derived: tuple[float | None, ...] = (speedup, efficiency)
        if tasks is not None and cpus is not None:
            ideal = ideal_speedup(r.strategy, r.workers, tasks, cpus)
            of_ideal = None if speedup is None or ideal is None else speedup / ideal
            derived += (ideal, of_ideal)
        rows.append(Row(r.strategy, r.workers, r.timing, derived, r.correct))
    columns = [Column("speed-up", 9, format_ratio), Column("efficiency", 10, ".2f")]
    if tasks is not None and cpus is not None:
        columns += [Column("ideal", 6, ".2f"), Column("of ideal", 8, ".2f")]
    return format_table(Column("workers", 7, "d"), columns, rows, min_width=21)


def ideal_speedup(strategy: str, workers: int | None, tasks: int, cpus: int) -> float | None:
    """The best speed-up over sequential a strategy can reach on equal tasks; None: no bound.

    Sequential: 1. Threads: 1 under the GIL. A pool of processes (or of free threads) runs
    min(workers, cpus) tasks at a time, in ceil(tasks / min(workers, cpus)) waves of equal tasks,
    so at best tasks / waves: 2 for 20 tasks on 2 CPUs, 20 / 3 = 6.7 on 8 (not 8). The closed
    form is another algorithm, with no such bound: None.
    """
    if strategy == "closed form":
        return None
    if strategy == "sequential" or workers is None or (strategy == "threads" and gil_enabled()):
        return 1.0
    at_once = min(workers, cpus)
    return tasks / math.ceil(tasks / at_once)


def cpu_report(
    results: Sequence[CpuResult],
    count: int,
    start: int,
    start_method: str,
    conditions: RunConditions | None = None,
) -> dict[str, object]:
    """The JSON document `python -m helpers.bench cpu --json` writes.

    Each result carries its median, interquartile range and runs, its speed-up over sequential
    (medians) and ideal_speedup, the best it could reach (see ideal_speedup). conditions gives
    the load averages, other programs' CPUs and whether the machine was busy.
    """
    baseline = next((r.timing.median for r in results if r.strategy == "sequential"), None)
    cpus = usable_cpus()
    rows = []
    for r in results:
        speedup = None if baseline is None else baseline / r.timing.median
        ideal = ideal_speedup(r.strategy, r.workers, count, cpus)
        of_ideal = None if speedup is None or ideal is None else speedup / ideal
        rows.append(
            result_row(
                r.strategy,
                r.timing,
                r.correct,
                workers=r.workers,
                speedup=speedup,
                ideal_speedup=ideal,
                of_ideal=of_ideal,
            )
        )
    rounds = max((len(r.timing.runs) for r in results), default=0)
    return report(
        "cpu",
        rows,
        conditions,
        rounds=rounds,
        numbers=count,
        start=start,
        start_method=start_method,
    )


def results_from_report(report: Mapping[str, Any]) -> list[CpuResult]:
    """The CpuResults of a report written by `helpers.bench cpu --json`."""
    if report.get("benchmark") != "cpu":
        raise ValueError(f"not a cpu benchmark report: benchmark is {report.get('benchmark')!r}")
    return [
        CpuResult(row["strategy"], row["workers"], Timing(tuple(row["runs_s"])), row["correct"])
        for row in report["results"]
    ]
