"""A pool's time: fixed overhead plus equal tasks run in waves; Amdahl's law (11-pools-in-depth).

A pool of p workers given n equal tasks runs them in waves: each worker takes the next task (or
chunk of tasks) when it is free, so the run lasts as long as the busiest worker's share, ceil(n / p)
tasks when they travel one by one, more when chunks do not divide evenly. With more workers than
cores the workers take turns, and the run lasts at least n / cores task-times. So a pool with a
fixed overhead of s seconds, on work that takes w seconds in a loop, takes about s + w * waves / n.

Amdahl's law, 1 / (f + (1 - f) / p), describes work whose fraction 1 - f divides evenly over any
number p of cores, and a fixed fraction f that does not: it has no start-up cost of its own, no
waves of whole tasks, and no limit on how finely the work divides.
"""

from __future__ import annotations

import heapq
import statistics
from collections.abc import Iterable
from dataclasses import dataclass


def amdahl_speedup(workers: float, serial_fraction: float) -> float:
    """Speed-up Amdahl's law predicts on workers cores for a serial fraction."""
    if workers <= 0:
        raise ValueError(f"workers must be positive, got {workers}")
    if not 0 <= serial_fraction <= 1:
        raise ValueError(f"serial_fraction must be between 0 and 1, got {serial_fraction}")
    return 1 / (serial_fraction + (1 - serial_fraction) / workers)


def busiest_worker_tasks(tasks: int, workers: int, chunksize: int = 1) -> int:
    """Equal tasks the busiest worker runs when each chunk goes to the worker free first."""
    if tasks < 1 or workers < 1 or chunksize < 1:
        raise ValueError(
            f"need tasks, workers and chunksize >= 1, got {tasks}, {workers}, {chunksize}"
        )
    loads = [0] * workers  # a heap: the least loaded worker is free first
    for start in range(0, tasks, chunksize):
        heapq.heapreplace(loads, loads[0] + min(chunksize, tasks - start))
    return max(loads)


def waves(tasks: int, workers: int, cpus: int | None = None, chunksize: int = 1) -> float:
    """Task-times a pool's run lasts: the busiest worker's tasks, or tasks / cpus if longer."""
    busiest = busiest_worker_tasks(tasks, workers, chunksize)
    if cpus is None or workers <= cpus:
        return busiest
    return max(busiest, tasks / cpus)  # more workers than cores: they take turns


@dataclass(frozen=True)
class PoolModel:
    """A pool's time: a fixed overhead_s, then work_s of loop time spread over the tasks in waves.

    The overhead is whatever does not shrink with the waves: starting and stopping the workers,
    sending the tasks and results, and any shortfall of p workers from p times one worker's speed.
    """

    overhead_s: float
    work_s: float
    tasks: int

    def time_s(self, workers: int, cpus: int | None = None, chunksize: int = 1) -> float:
        """Seconds the model predicts for a pool of workers on cpus cores."""
        return (
            self.overhead_s + self.work_s * waves(self.tasks, workers, cpus, chunksize) / self.tasks
        )


def fit_pool_model(
    times: Iterable[tuple[int, float]], tasks: int, cpus: int | None = None, chunksize: int = 1
) -> PoolModel:
    """Least-squares overhead and work through every measured (workers, seconds), both >= 0."""
    points = [(waves(tasks, workers, cpus, chunksize) / tasks, t) for workers, t in times]
    if len({x for x, _ in points}) < 2:
        raise ValueError("need times measured at two different numbers of waves to fit a model")
    shares, seconds = [x for x, _ in points], [t for _, t in points]
    work, overhead = statistics.linear_regression(shares, seconds)
    if overhead < 0:  # no negative overhead: the best line through the origin instead
        work, overhead = statistics.linear_regression(shares, seconds, proportional=True)
    if work < 0:  # more waves took less time: noise only, no work to spread
        work, overhead = 0.0, statistics.fmean(seconds)
    return PoolModel(overhead, work, tasks)
