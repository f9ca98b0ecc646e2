"""What the benchmarks share: argument checks, table cells, running a coroutine (05-aiohttp)."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
N = TypeVar("N", int, float)


def at_least(minimum: N, kind: Callable[[str], N] = int) -> Callable[[str], N]:
    """An argparse type: a number of `kind` no smaller than minimum (05-aiohttp)."""
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


def cell(value: float | None, spec: str) -> str:
    """A table cell: value formatted by spec, or "-" when there is none (05-aiohttp)."""
    return "-" if value is None else format(value, spec)


def run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    """asyncio.run(coroutine), in a new thread if this one runs a loop (Jupyter) (05-aiohttp)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result()
