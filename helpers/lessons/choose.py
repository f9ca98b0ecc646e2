"""The article's rule of thumb for choosing a concurrency model, as code (09-choosing-a-model)."""

from __future__ import annotations

from typing import Literal

Bound = Literal["io", "cpu"]
Model = Literal["asyncio", "threads", "processes"]


def choose_model(bound: Bound, *, slow_io: bool = False) -> Model:
    """asyncio for slow I/O, threads for fast I/O, processes for CPU work.

    bound: "io" when the work mostly waits (network, disk, a database), "cpu" when it mostly
    computes in Python. slow_io, for I/O only: True when each wait is long next to the CPU time
    one request needs, so that keeping the CPU busy takes more requests in flight at once than
    you would run threads. By Little's law the number in flight is the request rate times the
    latency: 1,000 requests a second at 100 ms each means 100 in flight.

    A rule of thumb for a CPython with a GIL, not a law: measure.
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
