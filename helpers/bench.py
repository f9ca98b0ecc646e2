"""Benchmark runners and their command line, helpers.bench (introduced in 07-cpu-benchmark).

The cpu benchmark times ways of computing sum_of_squares for the article's numbers.
Each strategy supplies only how it maps the work; one harness times them all.
As in the article, a pool is created and shut down inside the timed block, so
every parallel time includes starting and stopping the workers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import TextIO

from helpers.timing import Timing, repeat
from helpers.workloads import (
    ARTICLE_COUNT,
    ARTICLE_START,
    article_numbers,
    sum_of_squares,
    sum_of_squares_closed,
    wrong_results,
)


def run_sequential(numbers: Sequence[int], workers: int, context: BaseContext) -> list[int]:
    """Compute each number in turn in this process (07-cpu-benchmark)."""
    return [sum_of_squares(n) for n in numbers]


def run_threads(numbers: Sequence[int], workers: int, context: BaseContext) -> list[int]:
    """Map the work over a ThreadPoolExecutor; the GIL runs one at a time (07-cpu-benchmark)."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(sum_of_squares, numbers))


def run_process_pool_executor(
    numbers: Sequence[int], workers: int, context: BaseContext
) -> list[int]:
    """Map the work over a ProcessPoolExecutor, chunksize 1 as in the article (07-cpu-benchmark)."""
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(sum_of_squares, numbers))


def run_multiprocessing_pool(
    numbers: Sequence[int], workers: int, context: BaseContext
) -> list[int]:
    """Map the work over a multiprocessing.Pool, which computes a chunksize (07-cpu-benchmark)."""
    with context.Pool(processes=workers) as pool:
        return pool.map(sum_of_squares, numbers)


async def gather_in_executor(numbers: Sequence[int], executor: Executor) -> list[int]:
    """Await the work for every number with loop.run_in_executor and gather (07-cpu-benchmark)."""
    loop = asyncio.get_running_loop()
    return list(
        await asyncio.gather(*(loop.run_in_executor(executor, sum_of_squares, n) for n in numbers))
    )


def run_asyncio(numbers: Sequence[int], workers: int, context: BaseContext) -> list[int]:
    """asyncio.run gather_in_executor on a process pool, also inside Jupyter (07-cpu-benchmark)."""
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        coroutine = gather_in_executor(numbers, pool)
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(coroutine)
        # A loop already runs in this thread (a Jupyter kernel), so run a new one in another.
        with ThreadPoolExecutor(max_workers=1) as thread:
            return thread.submit(asyncio.run, coroutine).result()


def run_closed_form(numbers: Sequence[int], workers: int, context: BaseContext) -> list[int]:
    """Compute each number from the closed form: better algorithm, no workers (07-cpu-benchmark)."""
    return [sum_of_squares_closed(n) for n in numbers]


@dataclass(frozen=True)
class CpuStrategy:
    """A named way to compute the workload; parallel ones use a worker pool (07-cpu-benchmark)."""

    name: str
    run: Callable[[Sequence[int], int, BaseContext], list[int]]
    parallel: bool = True


CPU_STRATEGIES = (
    CpuStrategy("sequential", run_sequential, parallel=False),
    CpuStrategy("threads", run_threads),
    CpuStrategy("ProcessPoolExecutor", run_process_pool_executor),
    CpuStrategy("multiprocessing.Pool", run_multiprocessing_pool),
    CpuStrategy("asyncio + processes", run_asyncio),
    CpuStrategy("closed form", run_closed_form, parallel=False),
)


@dataclass(frozen=True)
class CpuResult:
    """One strategy's times and whether every answer of every run was right (07-cpu-benchmark)."""

    strategy: str
    workers: int | None
    timing: Timing
    correct: bool


def time_cpu_strategy(
    strategy: CpuStrategy,
    numbers: Sequence[int],
    repeats: int,
    workers: int,
    context: BaseContext,
) -> CpuResult:
    """Time one strategy repeats times; check its answers by the closed form (07-cpu-benchmark)."""
    answers: list[list[int]] = []
    timing = repeat(lambda: answers.append(strategy.run(numbers, workers, context)), repeats)
    correct = not any(wrong_results(numbers, answer) for answer in answers)
    return CpuResult(strategy.name, workers if strategy.parallel else None, timing, correct)


def run_cpu_benchmark(
    numbers: Sequence[int],
    repeats: int = 3,
    workers: int | None = None,
    strategies: Iterable[CpuStrategy] = CPU_STRATEGIES,
    start_method: str | None = None,
    progress: TextIO | None = None,
) -> list[CpuResult]:
    """Time every strategy, pool start-up included; report each to progress (07-cpu-benchmark)."""
    if workers is None:
        workers = os.cpu_count() or 1
    if not numbers:
        raise ValueError("numbers is empty: give at least one number")
    if min(numbers) < 0:
        raise ValueError(f"numbers must be at least 0, got {min(numbers)}")
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    context = multiprocessing.get_context(start_method)
    results = []
    for strategy in strategies:
        results.append(time_cpu_strategy(strategy, numbers, repeats, workers, context))
        if progress is not None:
            print(f"{strategy.name}: {results[-1].timing}", file=progress, flush=True)
    return results


def format_cpu_table(results: Sequence[CpuResult]) -> str:
    """A text table of results with speed-up over sequential and efficiency (07-cpu-benchmark)."""
    baseline = next((r.timing.median for r in results if r.strategy == "sequential"), None)
    lines = [
        f"{'strategy':<21} {'workers':>7} {'median s':>9} {'min s':>8} {'max s':>8} "
        f"{'speed-up':>13} {'efficiency':>10} correct"
    ]
    for r in results:
        speedup = None if baseline is None else baseline / r.timing.median
        efficiency = None if speedup is None or r.workers is None else speedup / r.workers
        lines.append(
            f"{r.strategy:<21} {_cell(r.workers, 'd'):>7} {r.timing.median:>9.3f} "
            f"{r.timing.min:>8.3f} {r.timing.max:>8.3f} {_cell(speedup, ',.2f'):>13} "
            f"{_cell(efficiency, '.2f'):>10} {'yes' if r.correct else 'NO'}"
        )
    return "\n".join(lines)


def _cell(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def cpu_report(
    results: Sequence[CpuResult], count: int, start: int, start_method: str
) -> dict[str, object]:
    """The JSON document `python -m helpers.bench cpu --json` writes (07-cpu-benchmark)."""
    return {
        "benchmark": "cpu",
        "cpu_count": os.cpu_count(),
        "numbers": count,
        "start": start,
        "start_method": start_method,
        "correct": all(r.correct for r in results),
        "results": [
            {
                "strategy": r.strategy,
                "workers": r.workers,
                "median_s": r.timing.median,
                "runs_s": list(r.timing.runs),
            }
            for r in results
        ],
    }


def _at_least(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    return parse


def _add_cpu_command(commands: argparse._SubParsersAction) -> None:
    cpu = commands.add_parser(
        "cpu",
        help="time sum_of_squares over the article's numbers, sequentially and in parallel",
        description="Time sequential, threads, ProcessPoolExecutor, multiprocessing.Pool, "
        "asyncio with run_in_executor and the closed form. Each pool is created inside "
        "the timed block, as in the article. Exits 1 if any result is wrong.",
    )
    cpu.add_argument(
        "--numbers",
        type=_at_least(1),
        default=ARTICLE_COUNT,
        metavar="K",
        help=f"how many numbers (default {ARTICLE_COUNT})",
    )
    cpu.add_argument(
        "--start",
        type=_at_least(0),
        default=ARTICLE_START,
        metavar="N",
        help=f"first number (default {ARTICLE_START})",
    )
    cpu.add_argument(
        "--repeat",
        type=_at_least(1),
        default=3,
        metavar="R",
        help="timed runs per strategy (default 3)",
    )
    cpu.add_argument(
        "--workers",
        type=_at_least(1),
        default=os.cpu_count() or 1,
        metavar="W",
        help="threads or processes per pool (default: the CPU count)",
    )
    cpu.add_argument(
        "--start-method",
        choices=multiprocessing.get_all_start_methods(),
        help="how worker processes start (default: the platform's)",
    )
    cpu.add_argument("--json", type=Path, metavar="FILE", help="write the results as JSON")
    cpu.add_argument("--plot", type=Path, metavar="FILE", help="write a bar chart as PNG")
    cpu.set_defaults(handler=_cpu_main)


def _cpu_main(args: argparse.Namespace) -> int:
    start_method = args.start_method or multiprocessing.get_start_method()
    print(
        f"sum_of_squares of {args.numbers} numbers from {args.start:,}; {args.workers} workers, "
        f"start method {start_method}, {args.repeat} runs each; pool start-up is timed",
        flush=True,
    )
    results = run_cpu_benchmark(
        article_numbers(args.numbers, args.start),
        args.repeat,
        args.workers,
        CPU_STRATEGIES,
        start_method,
        progress=sys.stderr,
    )
    print(format_cpu_table(results))
    wrong = [r.strategy for r in results if not r.correct]
    print(f"WRONG results from: {', '.join(wrong)}" if wrong else "every result is exact")
    if args.json:
        report = cpu_report(results, args.numbers, args.start, start_method)
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    if args.plot:
        from helpers.plots import bar_timings  # imports matplotlib, only when a plot is wanted

        title = f"sum_of_squares of {args.numbers} numbers, {args.workers} workers, {start_method}"
        figure = bar_timings({r.strategy: r.timing for r in results}, title)
        figure.savefig(args.plot)
    return 1 if wrong else 0


def build_parser() -> argparse.ArgumentParser:
    """The parser of `python -m helpers.bench`, one subcommand per benchmark (07-cpu-benchmark)."""
    parser = argparse.ArgumentParser(
        prog="python -m helpers.bench", description="Benchmarks of the concurrency course."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    _add_cpu_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark named on the command line and return its exit code (07-cpu-benchmark)."""
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
