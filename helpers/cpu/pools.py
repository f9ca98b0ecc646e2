"""How the course sizes and starts its worker pools (09-choosing-a-model).

Light on purpose: pool workers import helpers.cpu modules, so this one imports nothing heavy.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from multiprocessing.context import BaseContext


def usable_cpus() -> int:
    """CPUs this process may run on: what the pools size themselves by since Python 3.13.

    os.process_cpu_count() (3.13+) honours the CPU affinity mask and PYTHON_CPU_COUNT;
    before 3.13, the affinity mask where the platform has one, else os.cpu_count().
    """
    counted = getattr(os, "process_cpu_count", None)
    if counted is not None:
        return counted() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def default_context() -> BaseContext:
    """The start method the course's pools use: forkserver where there is one, else spawn.

    forkserver is Linux's default from Python 3.14, spawn is macOS's and Windows's. Both start
    workers that import what they run: a pool that works under them works everywhere. fork is
    left out: it copies a parent that may have threads.
    """
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def gil_enabled() -> bool:
    """False on a free-threaded build running without the GIL; True everywhere else."""
    is_enabled = getattr(sys, "_is_gil_enabled", None)
    return True if is_enabled is None else bool(is_enabled())
