"""The io harness: downloads at steady state, beside their floor (08-timeouts-retries-and-streams).

Each way (helpers.lessons.downloads) is a `download_many(urls, concurrency, ready)`. The harness
runs them in rounds, one run of each per round, so that a change in the machine's load falls on
every way alike, and checks every body. It reads its clocks three times a run: before the call,
at `ready()` (the workers are started and their connections open) and after. So each run has two
phases: **set-up** (starting `concurrency` threads or tasks and opening a connection for each)
and **steady state** (the N requests on warm workers), and each phase its wall-clock time, the
CPU time of this process (the client) and of the server, and the client's context switches.

A run's **floor** is the least time its steady state can take, whichever is longer of:

- the waits: latency × ceil(N / concurrency), since no answer comes sooner than the latency;
- its own CPU work: the server's CPU time (one event loop, one thread), the client's spread over
  the CPUs its threads can use, and both together spread over every CPU.

Every term is a lower bound, so no run can beat its floor; how far a run sits above it is time
in which neither side waited nor computed. `python -m helpers.bench io --help` runs it from a
terminal.
"""

from __future__ import annotations

import inspect
import json
import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import psutil

from helpers.bench.commands import run_coroutine
from helpers.bench.report import Column, Row, RunConditions, format_table, report, result_row
from helpers.cpu.pools import usable_cpus
from helpers.lessons.downloads import (
    download_aiohttp,
    download_httpx_async,
    download_httpx_threads,
    download_sequential,
    download_threads,
)
from helpers.measure.timing import Timing, in_rounds
from helpers.server.process import SlowServer


def json_urls(base_url: str, count: int) -> list[str]:
    """URLs of the server's JSON documents 0 to count - 1."""
    return [f"{base_url}/json/{n}" for n in range(count)]


def wrong_bodies(bodies: Sequence[bytes | str]) -> int:
    """How many bodies differ from the documents json_urls asks for, in order."""
    wrong = 0
    for n, body in enumerate(bodies):
        try:
            wrong += json.loads(body) != {"id": n, "square": n * n}
        except ValueError:
            wrong += 1
    return wrong


@dataclass(frozen=True)
class IoStrategy:
    """A named download_many(urls, concurrency, ready) -> bodies, sync or async, and a label."""

    name: str
    download_many: Callable[..., object]
    label: str
    threaded: bool = False  # runs `concurrency` threads, which may use several CPUs at once

    def client_threads(self, concurrency: int) -> int:
        """How many threads of the client may compute at once."""
        return concurrency if self.threaded else 1

    def run(self, urls: Sequence[str], concurrency: int, ready: Callable[[], None]) -> list[bytes]:
        """Call download_many; a coroutine runs on a fresh loop (in a thread inside Jupyter)."""
        if inspect.iscoroutinefunction(self.download_many):
            return run_coroutine(self.download_many(urls, concurrency, ready))
        return self.download_many(urls, concurrency, ready)  # type: ignore[return-value]


SEQUENTIAL = IoStrategy("sequential", download_sequential, "sequential")
REQUESTS_THREADS = IoStrategy("requests threads", download_threads, "requests, {} threads", True)
HTTPX_THREADS = IoStrategy("httpx threads", download_httpx_threads, "httpx, {} threads", True)
HTTPX_ASYNC = IoStrategy("httpx asyncio", download_httpx_async, "httpx asyncio, {} tasks")
AIOHTTP = IoStrategy("aiohttp asyncio", download_aiohttp, "aiohttp asyncio, limit {}")
IO_STRATEGIES = (SEQUENTIAL, REQUESTS_THREADS, HTTPX_THREADS, HTTPX_ASYNC, AIOHTTP)


@dataclass(frozen=True)
class IoRun:
    """What to time: a strategy, how many requests, how many at once."""

    strategy: IoStrategy
    requests: int
    concurrency: int = 1

    @property
    def label(self) -> str:
        """The strategy's name with its concurrency, such as "httpx, 100 threads"."""
        return self.strategy.label.format(self.concurrency)


@dataclass(frozen=True)
class Clocks:
    """What the harness reads at a phase boundary: wall, client CPU, server CPU, switches."""

    wall: float
    client_cpu: float
    server_cpu: float
    switches: int

    def until(self, later: Clocks) -> Clocks:
        """The phase from self to later."""
        return Clocks(
            later.wall - self.wall,
            later.client_cpu - self.client_cpu,
            later.server_cpu - self.server_cpu,
            later.switches - self.switches,
        )


def process_cpu_s(pid: int) -> float:
    """CPU seconds of process pid: from /proc/PID/schedstat (ns) on Linux, else psutil (ticks)."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        times = psutil.Process(pid).cpu_times()
        return times.user + times.system


def read_clocks(server_pid: int | None) -> Clocks:
    """The clocks now; the server's CPU is 0 when there is no server to read."""
    switches = psutil.Process().num_ctx_switches()
    return Clocks(
        time.perf_counter(),
        time.process_time(),
        0.0 if server_pid is None else process_cpu_s(server_pid),
        switches.voluntary + switches.involuntary,
    )


@dataclass(frozen=True)
class Phases:
    """One run: its set-up (workers started, connections opened) and its steady state."""

    setup: Clocks
    steady: Clocks


def floor_s(requests: int, concurrency: int, latency: float, cpu_s: float = 0.0) -> float:
    """The least time the machine allows: latency * ceil(requests / concurrency), or cpu_s."""
    return max(latency * math.ceil(requests / concurrency), cpu_s)


def cpu_floor_s(client_cpu_s: float, server_cpu_s: float, client_threads: int, cpus: int) -> float:
    """The least time the CPU work can take: each side on the CPUs it can use, both on all."""
    client_cpus = max(1, min(client_threads, cpus))
    return max(server_cpu_s, client_cpu_s / client_cpus, (client_cpu_s + server_cpu_s) / cpus)


def _median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else 0.0


@dataclass(frozen=True)
class IoResult:
    """One run's phases in every round, whether every body was right, and its floor.

    latency is the server's (0 where no server was given); cpus, the CPUs the run had.
    """

    run: IoRun
    rounds: tuple[Phases, ...]
    correct: bool
    latency: float = 0.0
    cpus: int = field(default_factory=usable_cpus)

    @property
    def timing(self) -> Timing:
        """The steady state's wall-clock times, one per round."""
        return Timing(tuple(phases.steady.wall for phases in self.rounds))

    def _steady(self, measure: Callable[[Clocks], float]) -> float:
        return _median([measure(phases.steady) for phases in self.rounds])

    @property
    def per_second(self) -> float:
        """Requests completed per second at steady state, from the median time."""
        return self.run.requests / self.timing.median

    @property
    def client_cpu_per_request_s(self) -> float:
        """Median over rounds of this process's CPU seconds per request: the model's own cost."""
        return self._steady(lambda c: c.client_cpu) / self.run.requests

    @property
    def server_cpu_per_request_s(self) -> float:
        """Median over rounds of the server's CPU seconds per request: the same for every model."""
        return self._steady(lambda c: c.server_cpu) / self.run.requests

    @property
    def switches_per_request(self) -> float:
        """The client's context switches per request: threads handing over the CPU and the GIL."""
        return self._steady(lambda c: c.switches) / self.run.requests

    @property
    def client_cpus_busy(self) -> float:
        """How many CPUs the client kept busy at steady state: its CPU time over wall-clock."""
        return self._steady(lambda c: c.client_cpu / c.wall if c.wall > 0 else 0.0)

    @property
    def setup_s(self) -> float:
        """Median wall-clock seconds of the set-up: workers started, connections opened."""
        return _median([phases.setup.wall for phases in self.rounds])

    @property
    def setup_cpu_per_worker_s(self) -> float:
        """Median client CPU seconds of set-up per worker: a thread or task, its connection and
        its first request."""
        return _median([phases.setup.client_cpu for phases in self.rounds]) / self.run.concurrency

    @property
    def latency_floor_s(self) -> float:
        """latency * ceil(requests / concurrency): the waits alone."""
        return floor_s(self.run.requests, self.run.concurrency, self.latency)

    @property
    def cpu_floor_s(self) -> float:
        """Median over rounds of the least time the round's CPU work can take (cpu_floor_s)."""
        threads = self.run.strategy.client_threads(self.run.concurrency)
        return _median(
            [
                cpu_floor_s(p.steady.client_cpu, p.steady.server_cpu, threads, self.cpus)
                for p in self.rounds
            ]
        )

    @property
    def floor_s(self) -> float:
        """The least time the machine allows: the waits, or the CPU work if it is longer."""
        return floor_s(self.run.requests, self.run.concurrency, self.latency, self.cpu_floor_s)

    @property
    def floor_kind(self) -> str:
        """What sets the floor: "waits" or "own CPU"."""
        return "waits" if self.latency_floor_s >= self.cpu_floor_s else "own CPU"

    @property
    def floor_ratio(self) -> float:
        """The median time over the floor: 1.0 is the best the machine allows."""
        return self.timing.median / self.floor_s if self.floor_s > 0 else math.inf


def time_io(
    runs: Sequence[IoRun],
    base_url: str,
    repeats: int = 3,
    progress: TextIO | None = None,
    server: SlowServer | None = None,
) -> list[IoResult]:
    """Time each run's set-up and steady state against the server at base_url, in rounds.

    Every body is checked. Given the SlowServer, the server's CPU time is read too, and its
    latency sets the results' floors.
    """
    for run in runs:
        if run.requests < 1 or run.concurrency < 1:
            raise ValueError(f"{run.label}: requests and concurrency must be at least 1")
    names = [f"{run.label}, {run.requests:,} requests" for run in runs]
    if len(set(names)) < len(names):
        raise ValueError(f"each run may appear once, got {names}")
    server_pid = None if server is None else server.pid
    correct = dict.fromkeys(names, True)

    def download(name: str, run: IoRun) -> Callable[[], Phases]:
        urls = json_urls(base_url, run.requests)

        def download_and_check() -> Phases:
            marks = [read_clocks(server_pid)]
            bodies = run.strategy.run(
                urls, run.concurrency, lambda: marks.append(read_clocks(server_pid))
            )
            marks.append(read_clocks(server_pid))
            if len(marks) != 3:
                raise RuntimeError(f"{run.label} called ready() {len(marks) - 2} times, not once")
            correct[name] = correct[name] and len(bodies) == len(urls) and not wrong_bodies(bodies)
            phases = Phases(marks[0].until(marks[1]), marks[1].until(marks[2]))
            if progress is not None:
                print(f"{name}: {phases.steady.wall:.3f} s", file=progress, flush=True)
            return phases

        return download_and_check

    downloads = {name: download(name, run) for name, run in zip(names, runs, strict=True)}
    rounds = in_rounds(downloads, repeats)
    latency = 0.0 if server is None else server.config.latency
    return [
        IoResult(run, tuple(rounds[name]), correct[name], latency)
        for name, run in zip(names, runs, strict=True)
    ]


def format_io_table(results: Sequence[IoResult]) -> str:
    """A text table: steady-state times, throughput, CPU per request, set-up and floor."""
    rows = []
    for r in results:
        derived = (
            r.per_second,
            r.client_cpu_per_request_s * 1e3,
            r.client_cpus_busy,
            r.switches_per_request,
            r.setup_cpu_per_worker_s * 1e3,
            r.floor_s,
            r.floor_ratio,
        )
        label = f"{r.run.label} ({r.floor_kind})"
        rows.append(Row(label, r.run.requests, r.timing, derived, r.correct))
    derived_columns = (
        Column("requests/s", 10, ",.0f"),
        Column("client ms/req", 13, ".3f"),
        Column("client CPUs", 11, ".2f"),
        Column("switches/req", 12, ".1f"),
        Column("set-up ms/worker", 16, ".2f"),
        Column("floor s", 8, ".3f"),
        Column("x floor", 7, ".2f"),
    )
    return format_table(Column("requests", 8, ","), derived_columns, rows)


def io_row(r: IoResult) -> dict[str, object]:
    """One result in the JSON report: N, c, set-up, steady-state cost per request, floor."""
    setups = [phases.setup for phases in r.rounds]
    return result_row(
        r.run.label,
        r.timing,
        r.correct,
        model=r.run.strategy.name,
        requests=r.run.requests,
        concurrency=r.run.concurrency,
        latency_s=r.latency,
        setup_s=r.setup_s,
        setup_client_cpu_s=_median([s.client_cpu for s in setups]),
        setup_cpu_per_worker_s=r.setup_cpu_per_worker_s,
        client_cpu_s=r.client_cpu_per_request_s * r.run.requests,
        server_cpu_s=r.server_cpu_per_request_s * r.run.requests,
        client_cpu_per_request_s=r.client_cpu_per_request_s,
        server_cpu_per_request_s=r.server_cpu_per_request_s,
        client_cpus_busy=r.client_cpus_busy,
        switches_per_request=r.switches_per_request,
        client_threads=r.run.strategy.client_threads(r.run.concurrency),
        cpus=r.cpus,
        latency_floor_s=r.latency_floor_s,
        cpu_floor_s=r.cpu_floor_s,
        floor_s=r.floor_s,
        floor_kind=r.floor_kind,
        floor_ratio=r.floor_ratio,
    )


def io_report(
    results: Sequence[IoResult], conditions: RunConditions | None = None, **settings: object
) -> dict[str, object]:
    """The JSON document `python -m helpers.bench io --json` writes: one row per result."""
    rows = [io_row(r) for r in results]
    rounds = max((len(r.rounds) for r in results), default=0)
    return report("io", rows, conditions, rounds=rounds, **settings)
