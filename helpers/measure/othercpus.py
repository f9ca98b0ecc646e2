"""Did other programs compete for the CPUs while we measured? (05-aiohttp)

A parallel speed-up shows only while the workers find free CPUs: where other programs keep
CPUs busy, the workers take turns with them. `OtherCpus` reads the machine's CPU time counters
around a block, takes away the CPU time of this process and its descendants (workers included),
and reports how many CPUs, on average, the other programs kept busy. A claim that needs the
CPUs to itself is checked only where that is near zero.
"""

from __future__ import annotations

import contextlib
import time

import psutil


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
    wall-clock time: a claim that needs every CPU for our own threads or workers holds only where
    this is near zero. It runs no thread, so it may surround a fork.
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
