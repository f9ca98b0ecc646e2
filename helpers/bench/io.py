"""The io benchmark: the same downloads done sequentially, on threads and with asyncio (05-aiohttp).

As in Fluent Python's flag downloaders, each strategy supplies only its
`download_many(urls, concurrency)`, returning the bodies in the order of the URLs; one harness
times them against the local slow server (helpers.server) and checks every body. It runs the
strategies in rounds, one run of each per round, so that a change in the machine's load falls
on every strategy alike. It also measures the CPU time each run took, in this process (the
client) and in the server's, and from it the run's *floor*: the best time the machine allows,
max(latency * ceil(N / concurrency), the CPU work's least time). The CPU work takes at least the
server's CPU time (one event loop, one thread), the client's spread over the CPUs its threads can
use, and both together spread over every CPU: no run can beat the floor.
`python -m helpers.bench io --help` runs it from a terminal.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TextIO

import aiohttp
import psutil
import requests

from helpers.bench.harness import add_benchmark, add_number, run_coroutine
from helpers.bench.report import Column, Row, RunConditions, format_table, report, result_row
from helpers.measure.openfiles import cap_connections, raise_open_file_limit
from helpers.measure.timing import Timing, repeat_in_rounds
from helpers.server.process import SlowServer

REQUESTS = 1_000  # default number of requests for threads and asyncio
LATENCY_S = 0.1  # default server latency: a slow API or a distant server
THREADS = 100  # default thread-pool size
LIMIT = 100  # default for TCPConnector(limit=...): as many connections as threads, a fair race
FILES_PER_AIOHTTP_THREAD = 4  # its connection, and its event loop's epoll and self-pipe (2)
SEQUENTIAL_BUDGET_S = 2.0  # the sequential run gets about this long, it is so slow
TIMEOUT_S = 60.0  # requests has no timeout unless given one


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


def requests_session() -> requests.Session:
    """A requests Session that ignores proxy settings: the server is on loopback."""
    session = requests.Session()
    session.trust_env = False
    return session


def get(session: requests.Session, url: str) -> bytes:
    """GET url with requests, raising for an error status; return the body."""
    with session.get(url, timeout=TIMEOUT_S) as response:
        response.raise_for_status()
        return response.content


def download_sequential(urls: Sequence[str], concurrency: int) -> list[bytes]:
    """One request after another on one requests Session; concurrency is ignored."""
    with requests_session() as session:
        return [get(session, url) for url in urls]


def download_threads(urls: Sequence[str], concurrency: int) -> list[bytes]:
    """requests in a pool of `concurrency` threads, one Session per thread."""
    local = threading.local()
    sessions: list[requests.Session] = []

    def get_in_thread(url: str) -> bytes:
        if not hasattr(local, "session"):
            local.session = requests_session()  # a Session is not meant to be shared by threads
            sessions.append(local.session)
        return get(local.session, url)

    try:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            return list(pool.map(get_in_thread, urls))
    finally:
        for session in sessions:
            session.close()


async def fetch(session: aiohttp.ClientSession, url: str) -> bytes:
    """GET url on the shared session, raising for an error status; return the body."""
    async with session.get(url) as response:
        response.raise_for_status()
        return await response.read()


async def download_many_async(urls: Sequence[str], limit: int) -> list[bytes]:
    """All requests at once on one ClientSession, at most `limit` connections."""
    connector = aiohttp.TCPConnector(limit=limit)
    async with aiohttp.ClientSession(connector=connector) as session:
        return await asyncio.gather(*(fetch(session, url) for url in urls))


def download_asyncio(urls: Sequence[str], concurrency: int) -> list[bytes]:
    """download_many_async in a fresh event loop, also from inside Jupyter."""
    return run_coroutine(download_many_async(urls, concurrency))


def download_aiohttp_threads(urls: Sequence[str], concurrency: int) -> list[bytes]:
    """aiohttp on `concurrency` threads: each runs its own loop and one-connection session,
    and fetches the next URL when its previous answer is in, as a blocking client would."""
    bodies: list[bytes] = [b""] * len(urls)
    jobs = iter(enumerate(urls))
    lock = threading.Lock()

    async def fetch_in_turn() -> None:
        connector = aiohttp.TCPConnector(limit=1)
        async with aiohttp.ClientSession(connector=connector) as session:
            while True:
                with lock:
                    job = next(jobs, None)
                if job is None:
                    return
                n, url = job
                bodies[n] = await fetch(session, url)

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        workers = [pool.submit(asyncio.run, fetch_in_turn()) for _ in urls[:concurrency]]
        for worker in workers:
            worker.result()
    return bodies


@dataclass(frozen=True)
class IoStrategy:
    """A named download_many(urls, concurrency) -> bodies, and a label template."""

    name: str
    download_many: Callable[[Sequence[str], int], list[bytes]]
    label: str
    threaded: bool = False  # runs `concurrency` threads, which may use several CPUs at once

    def client_threads(self, concurrency: int) -> int:
        """How many threads of the client may compute at once."""
        return concurrency if self.threaded else 1


SEQUENTIAL = IoStrategy("sequential", download_sequential, "sequential")
THREADED = IoStrategy("threads", download_threads, "threads ({})", threaded=True)
ASYNCIO = IoStrategy("asyncio", download_asyncio, "asyncio (limit {})")
AIOHTTP_THREADS = IoStrategy(
    "aiohttp threads", download_aiohttp_threads, "aiohttp on threads ({})", threaded=True
)
IO_STRATEGIES = (SEQUENTIAL, THREADED, ASYNCIO, AIOHTTP_THREADS)


@dataclass(frozen=True)
class IoRun:
    """What to time: a strategy, how many requests, how many at once."""

    strategy: IoStrategy
    requests: int
    concurrency: int = 1

    @property
    def label(self) -> str:
        """The strategy's name with its concurrency, such as "threads (100)"."""
        return self.strategy.label.format(self.concurrency)


def floor_s(requests: int, concurrency: int, latency: float, cpu_s: float = 0.0) -> float:
    """The best time the machine allows: latency * ceil(requests / concurrency), or cpu_s."""
    return max(latency * math.ceil(requests / concurrency), cpu_s)


def cpu_floor_s(client_cpu_s: float, server_cpu_s: float, client_threads: int, cpus: int) -> float:
    """The least time the CPU work can take: each side on the CPUs it can use, both on all."""
    client_cpus = max(1, min(client_threads, cpus))
    return max(server_cpu_s, client_cpu_s / client_cpus, (client_cpu_s + server_cpu_s) / cpus)


def usable_cpus() -> int:
    """The CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@dataclass(frozen=True)
class IoResult:
    """One run's times and whether every body of every repeat was right.

    client_cpu_s and server_cpu_s are each round's CPU seconds in this process and in the
    server's (empty where not measured); latency is the server's; cpus, the CPUs the run had.
    """

    run: IoRun
    timing: Timing
    correct: bool
    client_cpu_s: tuple[float, ...] = ()
    server_cpu_s: tuple[float, ...] = ()
    latency: float = 0.0
    cpus: int = field(default_factory=usable_cpus)

    @property
    def per_second(self) -> float:
        """Requests completed per second, from the median time."""
        return self.run.requests / self.timing.median

    @property
    def cpu_s(self) -> float:
        """Median over rounds of the busier side's CPU seconds: client or server."""
        busier = [max(pair) for pair in zip(self.client_cpu_s, self.server_cpu_s, strict=False)]
        return statistics.median(busier or self.client_cpu_s or [0.0])

    @property
    def cpu_per_request_s(self) -> float:
        """cpu_s per request."""
        return self.cpu_s / self.run.requests

    @property
    def client_cpu_per_request_s(self) -> float:
        """Median over rounds of this process's CPU seconds, per request: the model's own cost."""
        return statistics.median(self.client_cpu_s or [0.0]) / self.run.requests

    @property
    def latency_floor_s(self) -> float:
        """latency * ceil(requests / concurrency): the waits alone."""
        return floor_s(self.run.requests, self.run.concurrency, self.latency)

    @property
    def cpu_floor_s(self) -> float:
        """Median over rounds of the least time the round's CPU work can take (cpu_floor_s)."""
        threads = self.run.strategy.client_threads(self.run.concurrency)
        server = self.server_cpu_s or (0.0,) * len(self.client_cpu_s)
        floors = [
            cpu_floor_s(client, server_s, threads, self.cpus)
            for client, server_s in zip(self.client_cpu_s, server, strict=True)
        ]
        return statistics.median(floors or [0.0])

    @property
    def floor_s(self) -> float:
        """The best time the machine allows: the waits, or the CPU work if it is longer."""
        return floor_s(self.run.requests, self.run.concurrency, self.latency, self.cpu_floor_s)

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
    """Time each run against the server at base_url, in rounds; check every body.

    Each run's CPU time is measured in this process and, given the SlowServer, in the server's,
    whose latency then sets the results' floors.
    """
    for run in runs:
        if run.requests < 1 or run.concurrency < 1:
            raise ValueError(f"{run.label}: requests and concurrency must be at least 1")
    names = [f"{run.label}, {run.requests:,} requests" for run in runs]
    if len(set(names)) < len(names):
        raise ValueError(f"each run may appear once, got {names}")
    correct = dict.fromkeys(names, True)
    client_cpu: dict[str, list[float]] = {name: [] for name in names}
    server_cpu: dict[str, list[float]] = {name: [] for name in names}
    server_process = None if server is None else psutil.Process(server.pid)

    def server_cpu_now() -> float:
        if server_process is None:
            return 0.0
        times = server_process.cpu_times()
        return times.user + times.system

    def download(name: str, run: IoRun) -> Callable[[], None]:
        urls = json_urls(base_url, run.requests)

        def download_and_check() -> None:
            client_start, server_start = time.process_time(), server_cpu_now()
            bodies = run.strategy.download_many(urls, run.concurrency)
            client_cpu[name].append(time.process_time() - client_start)
            if server_process is not None:
                server_cpu[name].append(server_cpu_now() - server_start)
            right = len(bodies) == len(urls) and not wrong_bodies(bodies)
            correct[name] = correct[name] and right

        return download_and_check

    downloads = {name: download(name, run) for name, run in zip(names, runs, strict=True)}
    timings = repeat_in_rounds(downloads, repeats, progress)
    latency = 0.0 if server is None else server.config.latency
    return [
        IoResult(
            run,
            timings[name],
            correct[name],
            tuple(client_cpu[name]),
            tuple(server_cpu[name]),
            latency,
        )
        for name, run in zip(names, runs, strict=True)
    ]


def sequential_requests(requests: int, latency: float) -> int:
    """How many requests the sequential run makes: about SEQUENTIAL_BUDGET_S' worth."""
    return min(requests, max(1, int(SEQUENTIAL_BUDGET_S / max(latency, 0.002))))


def run_io_benchmark(
    requests: int = REQUESTS,
    latency: float = LATENCY_S,
    repeats: int = 3,
    threads: int = THREADS,
    limit: int = LIMIT,
    sequential: int | None = None,
    progress: TextIO | None = None,
    conditions: RunConditions | None = None,
    aiohttp_threads: bool = True,
) -> list[IoResult]:
    """Time sequential (sequential requests), threads, asyncio and aiohttp on threads (at the
    threads' concurrency) on a fresh server; conditions, if given, watches the timed part."""
    if sequential is None:
        sequential = sequential_requests(requests, latency)
    runs = [IoRun(SEQUENTIAL, sequential)] if sequential else []
    runs += [IoRun(THREADED, requests, threads), IoRun(ASYNCIO, requests, limit)]
    if aiohttp_threads:
        runs.append(IoRun(AIOHTTP_THREADS, requests, threads))
    with SlowServer(latency=latency) as server:
        if conditions is None:
            return time_io(runs, server.url, repeats, progress, server)
        with conditions:
            return time_io(runs, server.url, repeats, progress, server)


def format_io_table(results: Sequence[IoResult]) -> str:
    """A text table: times, requests per second, speed-up over sequential, CPU and floor."""
    baseline = next((r.per_second for r in results if r.run.strategy is SEQUENTIAL), None)
    rows = []
    for r in results:
        speedup = None if baseline is None else r.per_second / baseline
        derived = (r.per_second, speedup, r.cpu_per_request_s * 1e3, r.floor_s, r.floor_ratio)
        rows.append(Row(r.run.label, r.run.requests, r.timing, derived, r.correct))
    derived_columns = (
        Column("requests/s", 10, ",.0f"),
        Column("speed-up", 9, ",.1f"),
        Column("CPU ms/req", 10, ".3f"),
        Column("floor s", 8, ".3f"),
        Column("x floor", 7, ".2f"),
    )
    return format_table(Column("requests", 8, ","), derived_columns, rows)


def io_report(
    results: Sequence[IoResult],
    requests: int,
    latency: float,
    conditions: RunConditions | None = None,
) -> dict[str, object]:
    """The JSON document `python -m helpers.bench io --json` writes.

    Each result carries its median, interquartile range and runs, the CPU seconds of client and
    server (medians over rounds), the threads of the client that may compute at once, the CPUs
    the run had, the least time of the CPU work, its floor_s and floor_ratio (median / floor).
    """
    rows = [
        result_row(
            r.run.label,
            r.timing,
            r.correct,
            requests=r.run.requests,
            concurrency=r.run.concurrency,
            client_cpu_s=statistics.median(r.client_cpu_s) if r.client_cpu_s else None,
            server_cpu_s=statistics.median(r.server_cpu_s) if r.server_cpu_s else None,
            client_threads=r.run.strategy.client_threads(r.run.concurrency),
            cpus=r.cpus,
            latency_floor_s=r.latency_floor_s,
            cpu_floor_s=r.cpu_floor_s,
            floor_s=r.floor_s,
            floor_ratio=r.floor_ratio,
        )
        for r in results
    ]
    rounds = max((len(r.timing.runs) for r in results), default=0)
    return report("io", rows, conditions, rounds=rounds, requests=requests, latency_s=latency)


IO_SUMMARY = "fetch N JSON documents from a local slow server: sequentially, threads, asyncio"
IO_DESCRIPTION = (
    "Start a local slow server, then time the same GET requests made "
    "sequentially with requests (fewer of them: it is slow), with requests on a thread "
    "pool, with aiohttp and asyncio.gather, and with aiohttp on a thread pool (the same "
    "library in both models). Every body is checked. Each row shows its floor, the best time "
    "the machine allows: the waits, latency * ceil(N / concurrency), or the CPU work's least "
    "time if longer (the server's CPU time on its one thread, the client's over the CPUs its "
    "threads can use, both together over every CPU), measured in client and server. Warns "
    "when other programs kept the machine busy. Exits 1 if a strategy fails or gets a wrong "
    "body."
)


def add_io_command(commands: argparse._SubParsersAction) -> None:
    """Register `python -m helpers.bench io` and its options."""
    io = add_benchmark(commands, "io", IO_SUMMARY, IO_DESCRIPTION, _io_main)
    add_number(
        io, "--requests", "N", f"requests for threads and asyncio (default {REQUESTS:,})", REQUESTS
    )
    add_number(
        io,
        "--latency",
        "S",
        f"seconds the server waits before each answer (default {LATENCY_S})",
        LATENCY_S,
        0.0,
    )
    add_number(io, "--threads", "W", f"threads in the pool (default {THREADS})", THREADS)
    add_number(
        io,
        "--limit",
        "C",
        f"connections aiohttp may open at once, TCPConnector(limit=C) (default {LIMIT})",
        LIMIT,
    )
    io.add_argument(
        "--no-aiohttp-threads",
        dest="aiohttp_threads",
        action="store_false",
        help="skip aiohttp on threads (the same library as asyncio, on the thread pool)",
    )
    add_number(
        io,
        "--sequential",
        "K",
        f"requests for the sequential run, 0 to skip it (default: about "
        f"{SEQUENTIAL_BUDGET_S:g} s' worth at the latency, at most N)",
        None,
        0,
    )


def _io_main(args: argparse.Namespace) -> int:
    threads = cap_connections(args.threads, "--threads", file=sys.stderr)
    if args.aiohttp_threads:  # each of those threads holds an event loop too
        files = cap_connections(
            FILES_PER_AIOHTTP_THREAD * threads, "--threads' files (4 each)", file=sys.stderr
        )
        threads = max(1, files // FILES_PER_AIOHTTP_THREAD)
    limit = cap_connections(args.limit, "--limit", file=sys.stderr)
    sequential = args.sequential
    if sequential is None:
        sequential = sequential_requests(args.requests, args.latency)
    print(
        f"GET /json/n from a local server with {args.latency:g} s latency: {args.requests:,} "
        f"requests on {threads} threads and on asyncio (limit {limit}), {sequential:,} "
        f"sequentially; {args.repeat} round(s)",
        flush=True,
    )
    conditions = RunConditions()
    try:
        results = run_io_benchmark(
            args.requests,
            args.latency,
            args.repeat,
            threads,
            limit,
            sequential,
            sys.stderr,
            conditions,
            args.aiohttp_threads,
        )
    except RuntimeError as exc:
        print(f"python -m helpers.bench io: {exc}", file=sys.stderr)
        return 1
    print(format_io_table(results))
    print(f"other programs kept {conditions.other_cpus:.2f} CPUs busy on average")
    print(conditions.warning() or "the machine was not busy during the run")
    wrong = [r.run.label for r in results if not r.correct]
    print(f"WRONG bodies from: {', '.join(wrong)}" if wrong else "every body is right")
    if args.json:
        command = (
            f"python -m helpers.bench io --requests {args.requests} --latency {args.latency:g} "
            f"--repeat {args.repeat} --threads {threads} --limit {limit} --sequential {sequential}"
        )
        if not args.aiohttp_threads:
            command += " --no-aiohttp-threads"
        report = {
            **io_report(results, args.requests, args.latency, conditions),
            "command": command,
        }
        report["open_files"] = raise_open_file_limit()
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    if args.plot:
        from helpers.measure.plots import (
            bar_values,  # imports matplotlib, only when a plot is wanted
        )

        ranked = sorted(results, key=lambda r: r.per_second, reverse=True)
        title = f"{ranked[0].run.label} is fastest"
        if len(ranked) > 1:
            title += f", {ranked[0].per_second / ranked[1].per_second:.1f}x the next"
        figure = bar_values(
            {r.run.label: r.per_second for r in results},
            f"{title} ({args.requests:,} requests, {args.latency * 1000:g} ms latency)",
            ylabel="requests per second (higher is faster)",
        )
        figure.savefig(args.plot)
    return 1 if wrong else 0
