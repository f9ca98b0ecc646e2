"""`python -m helpers.bench cpu|io`: run a benchmark; print, save or chart it.

Spawned pool workers import helpers.bench.cpu, not this module, so it may import what it likes.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
from collections.abc import Sequence

from helpers.bench.cpu import (
    CPU_STRATEGIES,
    cpu_report,
    format_cpu_table,
    run_cpu_benchmark,
)
from helpers.bench.harness import add_benchmark, add_number
from helpers.bench.io import add_io_command
from helpers.bench.report import RunConditions
from helpers.cpu.pools import usable_cpus
from helpers.cpu.workloads import ARTICLE_COUNT, ARTICLE_START, article_numbers

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
