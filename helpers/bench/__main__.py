"""`python -m helpers.bench cpu|io`: run a benchmark; print, save or chart it.

Spawned pool workers import helpers.bench.cpu, not this module, so it may import what it likes.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
from collections.abc import Sequence
from typing import TextIO

from helpers.bench.commands import add_benchmark, add_number
from helpers.bench.cpu import (
    CPU_STRATEGIES,
    cpu_report,
    format_cpu_table,
    run_cpu_benchmark,
)
from helpers.bench.io import (
    IO_STRATEGIES,
    SEQUENTIAL,
    IoResult,
    IoRun,
    format_io_table,
    io_report,
    time_io,
)
from helpers.bench.report import RunConditions
from helpers.cpu.pools import usable_cpus
from helpers.cpu.workloads import ARTICLE_COUNT, ARTICLE_START, article_numbers
from helpers.measure.openfiles import raise_open_file_limit
from helpers.server.process import SlowServer

CPU_SUMMARY = "time sum_of_squares over the article's numbers, sequentially and in parallel"
CPU_DESCRIPTION = (
    "Time sequential, threads, ProcessPoolExecutor, multiprocessing.Pool, "
    "asyncio with run_in_executor and the closed form. Each pool is created inside "
    "the timed block, as in the article. Exits 1 if any result is wrong."
)


def add_cpu_command(commands: argparse._SubParsersAction) -> None:
    """Register `python -m helpers.bench cpu` and its options."""
    cpu = add_benchmark(commands, "cpu", CPU_SUMMARY, CPU_DESCRIPTION, _cpu_main)
    add_number(cpu, "--numbers", "K", f"how many numbers (default {ARTICLE_COUNT})", ARTICLE_COUNT)
    add_number(cpu, "--start", "N", f"first number (default {ARTICLE_START})", ARTICLE_START, 0)
    add_number(
        cpu,
        "--workers",
        "W",
        "threads or processes per pool (default: the CPUs this process may use)",
        usable_cpus(),
    )
    cpu.add_argument(
        "--start-method",
        choices=multiprocessing.get_all_start_methods(),
        help="how worker processes start (default: the platform's)",
    )
    cpu.add_argument(
        "--strategy",
        action="append",
        choices=[strategy.name for strategy in CPU_STRATEGIES],
        metavar="NAME",
        help="time only this strategy, repeat for more (default: all): "
        + ", ".join(repr(strategy.name) for strategy in CPU_STRATEGIES),
    )


def _cpu_main(args: argparse.Namespace) -> int:
    start_method = args.start_method or multiprocessing.get_start_method()
    print(
        f"sum_of_squares of {args.numbers} numbers from {args.start:,}; {args.workers} workers, "
        f"start method {start_method}, {args.repeat} round(s); pool start-up is timed",
        flush=True,
    )
    strategies = [s for s in CPU_STRATEGIES if args.strategy is None or s.name in args.strategy]
    with RunConditions() as conditions:
        results = run_cpu_benchmark(
            article_numbers(args.numbers, args.start),
            args.repeat,
            args.workers,
            strategies,
            start_method,
            progress=sys.stderr,
        )
    print(format_cpu_table(results, args.numbers, usable_cpus()))
    print(
        f"other programs kept {conditions.other_cpus:.2f} CPUs busy on average; "
        f"the host took {conditions.steal_cpus:.2f} (steal time)"
    )
    print(conditions.warning() or "the machine was not busy during the run")
    wrong = [r.strategy for r in results if not r.correct]
    print(f"WRONG results from: {', '.join(wrong)}" if wrong else "every result is exact")
    if args.json:
        report = cpu_report(results, args.numbers, args.start, start_method, conditions)
        report["command"] = (
            f"python -m helpers.bench cpu --numbers {args.numbers} --start {args.start} "
            f"--workers {args.workers} --start-method {start_method} --repeat {args.repeat}"
            + "".join(f" --strategy '{name}'" for name in args.strategy or [])
        )
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    if args.plot:
        from helpers.measure.plots import (
            bar_timings,  # imports matplotlib, only when a plot is wanted
        )

        title = f"sum_of_squares of {args.numbers} numbers, {args.workers} workers, {start_method}"
        timings = {r.strategy: r.timing for r in results}
        figure = bar_timings(timings, title, ylabel=f"time for the {args.numbers} sums (s)")
        figure.savefig(args.plot)
    return 1 if wrong else 0


REQUESTS = 10_000  # default requests per run: steady state needs many per worker
LATENCIES = (0.1,)  # default server latency: a slow API or a distant server
CONCURRENCY = (100,)  # default requests in flight: threads, tasks or connections
STEADY = 10  # requests per worker below which a run is mostly set-up, not steady state
SEQUENTIAL_BUDGET_S = 2.0  # the sequential run gets about this long, it is so slow
SPARE_FILES = 64  # open files a client needs beside its connections: loops, pipes, modules
MODELS = {strategy.name: strategy for strategy in IO_STRATEGIES if strategy is not SEQUENTIAL}
IO_SUMMARY = "fetch N JSON documents from a local slow server: threads against asyncio"
IO_DESCRIPTION = (
    "Start a local slow server for each latency, then time the same GET requests at each "
    "concurrency C: requests and httpx's blocking Client on C threads, httpx's AsyncClient "
    "with C tasks and aiohttp with C connections on one event loop, and a few sequentially. "
    "Each run first starts its workers and opens their connections (set-up, reported per "
    "worker), then times the N requests on the warm pool (steady state). Each row shows the "
    "client's CPU per request, the CPUs it kept busy, its context switches per request, and "
    "its floor: the waits, latency * ceil(N / C), or its own CPU work if longer. Every body is "
    "checked. Warns when other programs kept the machine busy. Exits 1 if a body is wrong."
)


def add_io_command(commands: argparse._SubParsersAction) -> None:
    """Register `python -m helpers.bench io` and its options."""
    io = add_benchmark(commands, "io", IO_SUMMARY, IO_DESCRIPTION, _io_main)
    add_number(io, "--requests", "N", f"requests per run (default {REQUESTS:,})", REQUESTS)
    latency = f"the server's wait before each answer, in seconds (default {LATENCIES[0]:g})"
    add_number(io, "--latency", "S", latency, LATENCIES, 0.0, many=True)
    in_flight = f"requests in flight: threads, tasks or connections (default {CONCURRENCY[0]})"
    add_number(io, "--concurrency", "C", in_flight, CONCURRENCY, many=True)
    io.add_argument(
        "--model",
        action="append",
        choices=sorted(MODELS),
        metavar="NAME",
        help="time only this model, repeat for more (default: all): " + ", ".join(sorted(MODELS)),
    )
    add_number(
        io,
        "--sequential",
        "K",
        f"requests for the sequential run at each latency, 0 to skip it (default: about "
        f"{SEQUENTIAL_BUDGET_S:g} s' worth at the latency, at most N)",
        None,
        0,
    )


def sequential_requests(requests: int, latency: float) -> int:
    """How many requests the sequential run makes: about SEQUENTIAL_BUDGET_S' worth."""
    return min(requests, max(1, int(SEQUENTIAL_BUDGET_S / max(latency, 0.002))))


def run_io_grid(args: argparse.Namespace, progress: TextIO | None = None) -> list[IoResult]:
    """Time every model at every latency and concurrency; one fresh server per latency."""
    models = [MODELS[name] for name in args.model or MODELS]
    results: list[IoResult] = []
    for latency in args.latency:
        sequential = args.sequential
        if sequential is None:
            sequential = sequential_requests(args.requests, latency)
        runs = [IoRun(SEQUENTIAL, sequential)] if sequential else []
        runs += [IoRun(m, args.requests, c) for c in args.concurrency for m in models]
        with SlowServer(latency=latency) as server:
            results += time_io(runs, server.url, args.repeat, progress, server)
    return results


def _io_main(args: argparse.Namespace) -> int:
    open_files = raise_open_file_limit()
    most = max(args.concurrency)
    if open_files is not None and 0 < open_files < most + SPARE_FILES:
        print(
            f"python -m helpers.bench io: --concurrency {most:,} needs about "
            f"{most + SPARE_FILES:,} open files, and this process may open {open_files:,} "
            "(ulimit -n): raise the limit or lower the concurrency",
            file=sys.stderr,
        )
        return 2
    for c in args.concurrency:
        if args.requests < STEADY * c:
            print(
                f"note: {args.requests:,} requests at {c:,} in flight is {args.requests / c:.1f} "
                f"per worker, fewer than {STEADY}: set-up, not steady state, dominates"
            )
    print(
        f"GET /json/n from a local server: {args.requests:,} requests per run, latency "
        f"{', '.join(f'{s:g}' for s in args.latency)} s, in flight "
        f"{', '.join(f'{c:,}' for c in args.concurrency)}; {args.repeat} round(s)",
        flush=True,
    )
    with RunConditions() as conditions:
        try:
            results = run_io_grid(args, sys.stderr)
        except RuntimeError as exc:
            print(f"python -m helpers.bench io: {exc}", file=sys.stderr)
            return 1
    for latency in args.latency:
        print(f"\nlatency {latency * 1000:g} ms (floor: what sets it)")
        print(format_io_table([r for r in results if r.latency == latency]))
    print(f"other programs kept {conditions.other_cpus:.2f} CPUs busy on average")
    print(conditions.warning() or "the machine was not busy during the run")
    wrong = [r.run.label for r in results if not r.correct]
    print(f"WRONG bodies from: {', '.join(wrong)}" if wrong else "every body is right")
    if args.json:
        command = (
            f"python -m helpers.bench io --requests {args.requests} --latency "
            f"{','.join(f'{s:g}' for s in args.latency)} --concurrency "
            f"{','.join(str(c) for c in args.concurrency)} --repeat {args.repeat}"
            + ("" if args.sequential is None else f" --sequential {args.sequential}")
            + "".join(f" --model '{name}'" for name in args.model or [])
        )
        document = io_report(
            results, conditions, requests=args.requests, command=command, open_files=open_files
        )
        args.json.write_text(json.dumps(document, indent=2) + "\n")
    if args.plot:
        from helpers.measure.plots import bar_values  # imports matplotlib, only when asked

        slowest = max(results, key=lambda r: r.floor_ratio)
        figure = bar_values(
            {f"{r.run.label}, {r.latency * 1000:g} ms": r.floor_ratio for r in results},
            f"{args.requests:,} requests at steady state: the farthest from its floor is "
            f"{slowest.run.label}, {slowest.floor_ratio:.1f}x",
            ylabel="steady-state time ÷ its floor (1 is the best the machine allows)",
        )
        figure.savefig(args.plot)
    return 1 if wrong else 0


def build_parser() -> argparse.ArgumentParser:
    """The parser of `python -m helpers.bench`, one subcommand per benchmark."""
    parser = argparse.ArgumentParser(
        prog="python -m helpers.bench", description="Benchmarks of the concurrency course."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    add_cpu_command(commands)
    add_io_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark named on the command line and return its exit code."""
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
