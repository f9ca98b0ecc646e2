"""The article's rule of thumb for choosing a concurrency model, as code (09-choosing-a-model)."""

from __future__ import annotations

from typing import Literal

Bound = Literal["io", "cpu"]
Model = Literal["asyncio", "threads", "processes"]


def choose_model(bound: Bound, *, slow_io: bool = False) -> Model:
    """asyncio for slow I/O, threads for fast I/O, processes for CPU work.

    bound: "io" when the work mostly waits (network, disk, a database), "cpu" when it mostly
    computes in Python. slow_io, for I/O only: True when each wait is long next to the processor
    time one request needs, so that keeping the processor busy takes many waits in flight at once,
    more than a pool of threads has threads. By Little's law the number in flight is the request
    rate times the latency: 1,000 requests a second at 100 ms each means 100 in flight.

    - slow I/O, many waits at once: "asyncio", one thread holds thousands of cheap coroutines;
    - fast I/O, few waits at once: "threads": fast enough, with simple blocking code and any
      blocking library. Which model is faster there depends on the library's CPU per request
      (notebook 09: httpx's blocking client beats its async one, aiohttp on one loop beats both);
    - CPU-bound: "processes", each with its own interpreter, and on GIL builds its own GIL.

    A rule of thumb, not a law: measure. It assumes a CPython with a GIL (on a free-threaded
    build threads also run Python code in parallel), and that async libraries exist for your I/O
    (otherwise asyncio.to_thread, which is threads again). Real programs mix models: asyncio for
    the network with a process pool for the computing (loop.run_in_executor).
    """
    if bound not in ("io", "cpu"):
        raise ValueError(f'bound must be "io" or "cpu", got {bound!r}')
    if not isinstance(slow_io, bool):
        raise TypeError(f"slow_io must be True or False, got {slow_io!r}")
    if bound == "cpu":
        if slow_io:
            raise ValueError("slow_io describes I/O-bound work: leave it False for CPU work")
        return "processes"
    return "asyncio" if slow_io else "threads"
