"""Did other programs compete for the CPUs while we measured? (06-choosing-a-model)

A parallel speed-up shows only while the workers find free CPUs: where other programs keep
threads ready to run, the workers take turns with them. On Linux the kernel counts the threads
ready to run at each instant (`procs_running` in /proc/stat). `Contention` samples that count in
a background thread during a block, takes away this process and its descendants (workers
included), and reports how many of the other programs' threads found no CPU left free by ours.
Elsewhere the count is not available and `excess` is None.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import threading
import time
from pathlib import Path

import psutil

PROC_STAT = Path("/proc/stat")


def threads_ready_to_run() -> int | None:
    """Threads running or ready to run on the machine now; None if unknown."""
    try:
        text = PROC_STAT.read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("procs_running "):
            return int(line.split()[1])
    return None


def own_processes_running(me: psutil.Process | None = None) -> int:
    """How many of this process and its descendants are running now."""
    me = me or psutil.Process()
    running = 0
    for process in [me, *me.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            running += process.status() == psutil.STATUS_RUNNING
    return running


class Contention:
    """Samples, during a block, other programs' threads that found no free CPU.

    At each sample: the threads ready to run on the machine, less the sampling thread itself,
    less our running processes, are the other programs' threads; those beyond the CPUs our
    processes left free had to wait. `excess` is their mean over the block.
    """

    def __init__(self, interval: float = 0.02, cpus: int | None = None) -> None:
        if interval <= 0:
            raise ValueError(f"interval must be positive, got {interval}")
        self.interval = interval
        self.cpus = cpus or os.cpu_count() or 1
        self._samples: list[int] = []
        self._me = psutil.Process()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Contention:
        if self._thread is not None:
            raise RuntimeError("a Contention measures one block: make a new one")
        self._thread = threading.Thread(target=self._sample, name="contention", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            ready = threads_ready_to_run()
            if ready is None:
                return
            ours = own_processes_running(self._me)
            others = max(0, ready - 1 - ours)
            self._samples.append(max(0, others - max(0, self.cpus - ours)))

    @property
    def excess(self) -> float | None:
        """Mean count of other threads that found no free CPU, or None."""
        return statistics.fmean(self._samples) if self._samples else None


def _busy_cpu_s() -> float:
    """CPU seconds the machine's CPUs have spent on anything but idling and waiting for I/O."""
    times = psutil.cpu_times()
    fields = ("user", "nice", "system", "irq", "softirq")
    return sum(getattr(times, field) for field in fields if hasattr(times, field))


class OtherCpus:
    """How many CPUs, on average, other programs kept busy during a block.

    The machine's CPU time counters, less this process's own CPU time (all its threads), over
    the block's wall-clock time: a claim that needs every CPU for this process's threads (two
    threads hashing at once on two CPUs) holds only where this is near zero. Unlike
    `Contention`, it counts another program's single busy thread too.
    """

    def __enter__(self) -> OtherCpus:
        self._me = psutil.Process()
        self._start = (time.perf_counter(), _busy_cpu_s(), self._own_s())
        self.cpus = 0.0
        return self

    def __exit__(self, *exc_info: object) -> None:
        wall0, machine0, own0 = self._start
        wall = time.perf_counter() - wall0
        machine = _busy_cpu_s() - machine0
        own = self._own_s() - own0
        self.cpus = max(0.0, (machine - own) / wall) if wall > 0 else 0.0

    def _own_s(self) -> float:
        times = self._me.cpu_times()
        return times.user + times.system
