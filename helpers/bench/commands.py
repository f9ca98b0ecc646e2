"""What the benchmark commands share: their number options, and a coroutine run from sync code."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
N = TypeVar("N", int, float)


def at_least(minimum: N, kind: Callable[[str], N] = int) -> Callable[[str], N]:
    """An argparse type: a number of `kind` no smaller than minimum."""
    noun = "an integer" if kind is int else "a number"

    def parse(text: str) -> N:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {noun}, got {text!r}") from None
        if not value >= minimum:  # also rejects nan
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {text}")
        return value

    return parse


def add_number(
    parser: argparse.ArgumentParser,
    flag: str,
    metavar: str,
    help: str,
    default: object = None,
    minimum: float = 1,
    many: bool = False,
) -> None:
    """Add an option taking a number no smaller than minimum (a float if it is one), or many."""
    one = at_least(minimum, float) if isinstance(minimum, float) else at_least(int(minimum))

    def parse_all(text: str) -> tuple[float, ...]:
        return tuple(one(part) for part in text.split(","))

    if many:  # a comma-separated list of them
        metavar = f"{metavar}[,{metavar}...]"
    parser.add_argument(
        flag, type=parse_all if many else one, default=default, metavar=metavar, help=help
    )


def add_benchmark(
    commands: argparse._SubParsersAction,
    name: str,
    summary: str,
    description: str,
    handler: Callable[[argparse.Namespace], int],
) -> argparse.ArgumentParser:
    """Add a benchmark's subcommand, with the --repeat, --json and --plot all take."""
    parser: argparse.ArgumentParser = commands.add_parser(
        name, help=summary, description=description
    )
    parser.set_defaults(handler=handler)
    add_number(parser, "--repeat", "R", "rounds, each timing every strategy once (default 5)", 5)
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the results as JSON")
    parser.add_argument("--plot", type=Path, metavar="FILE", help="write a bar chart as PNG")
    return parser


def run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    """asyncio.run(coroutine), in a new thread if this one runs a loop (Jupyter)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result()
