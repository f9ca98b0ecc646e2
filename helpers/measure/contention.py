"""Did other programs compete for the CPUs while we measured? (06-choosing-a-model)

A parallel speed-up shows only while the workers find free CPUs: where other programs keep
threads ready to run, the workers take turns with them. On Linux the kernel counts the threads
ready to run at each instant (`procs_running` in /proc/stat). `Contention` samples that count in
a background thread during a block, takes away the running threads of this process and its
descendants (workers included, each thread counted: a pool of 1,000 threads is ours, not
contention), and reports how many of the other programs' threads found no CPU left free by ours.
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


def threads_running(pid: int) -> int:
    """How many threads of process pid are running or ready to run now (Linux); 0 if gone."""
    running = 0
    with contextlib.suppress(OSError):
        for tid in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError):
                stat = Path(f"/proc/{pid}/task/{tid}/stat").read_bytes()
                # the state follows the command name, which is in parentheses and may hold spaces
                running += stat[stat.rindex(b")") + 2 : stat.rindex(b")") + 3] == b"R"
    return running


def own_threads_running(me: psutil.Process | None = None) -> int:
    """How many threads of this process and its descendants are running or ready to run now."""
    me = me or psutil.Process()
    processes = [me]
    with contextlib.suppress(psutil.NoSuchProcess):
        processes += me.children(recursive=True)
    return sum(threads_running(process.pid) for process in processes)


class Contention:
    """Samples, during a block, other programs' threads that found no free CPU.

    At each sample: the threads ready to run on the machine, less ours (the sampling thread
    among them), are the other programs' threads; those beyond the CPUs our threads left free
    had to wait. `excess` is their mean over the block. Counting our threads costs about 10 µs
    each, so the sampler waits at least 20 times as long as a sample took: at most 5% of a CPU.
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
        wait = self.interval
        while not self._stop.wait(wait):
            started = time.perf_counter()
            ready = threads_ready_to_run()
            if ready is None:
                return
            ours = own_threads_running(self._me)
            others = max(0, ready - ours)
            self._samples.append(max(0, others - max(0, self.cpus - ours)))
            wait = max(self.interval, 20 * (time.perf_counter() - started))

    @property
    def excess(self) -> float | None:
        """Mean count of other threads that found no free CPU, or None."""
        return statistics.fmean(self._samples) if self._samples else None


def _busy_cpu_s() -> float:
    """CPU seconds the machine's CPUs have spent on anything but idling and waiting for I/O."""
    times = psutil.cpu_times()
    fields = ("user", "nice", "system", "irq", "softirq")
    return sum(getattr(times, field) for field in fields if hasattr(times, field))


def own_cpu_s(me: psutil.Process | None = None) -> float:
    """CPU seconds of this process and its descendants, the exited ones it waited for included."""
    me = me or psutil.Process()
    processes = [me]
    with contextlib.suppress(psutil.NoSuchProcess):
        processes += me.children(recursive=True)
    total = 0.0
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            times = process.cpu_times()
            total += times.user + times.system + times.children_user + times.children_system
    return total


class OtherCpus:
    """How many CPUs, on average, other programs kept busy during a block.

    The machine's CPU time counters, less the CPU time of this process and its descendants (all
    their threads; a child that exits hands its time to its parent's count), over the block's
    wall-clock time. Exact where `Contention` samples: a claim that needs every CPU for our own
    threads or workers holds only where this is near zero. It also counts another program's
    single busy thread, which `Contention` misses while a CPU is free. It runs no thread, so it
    may surround a fork.
    """

    def __enter__(self) -> OtherCpus:
        self._me = psutil.Process()
        self._start = (time.perf_counter(), _busy_cpu_s(), own_cpu_s(self._me))
        self.cpus = 0.0
        return self

    def __exit__(self, *exc_info: object) -> None:
        wall0, machine0, own0 = self._start
        wall = time.perf_counter() - wall0
        machine = _busy_cpu_s() - machine0
        own = own_cpu_s(self._me) - own0
        self.cpus = max(0.0, (machine - own) / wall) if wall > 0 else 0.0
