"""Repeat a piece of work and summarise its wall-clock times (01-why-asyncio)."""

from __future__ import annotations

import inspect
import itertools
import statistics
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TextIO, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Timing:
    """Wall-clock seconds of repeated runs of one piece of work."""

    runs: tuple[float, ...]

    def __post_init__(self) -> None:
        if not self.runs:
            raise ValueError("runs is empty: a Timing needs at least one measured run")

    @property
    def median(self) -> float:
        """Median of the runs in seconds."""
        return statistics.median(self.runs)

    @property
    def min(self) -> float:
        """Fastest run in seconds."""
        return min(self.runs)

    @property
    def max(self) -> float:
        """Slowest run in seconds."""
        return max(self.runs)

    def __str__(self) -> str:
        return (
            f"median {self.median:.3f} s (min {self.min:.3f}, max {self.max:.3f}, "
            f"{len(self.runs)} runs)"
        )


def _check_repeats(repeats: int) -> None:
    if isinstance(repeats, bool) or not isinstance(repeats, int):
        raise TypeError(f"repeats must be an int, got {type(repeats).__name__}")
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")


def _failed(name: str, run: int, repeats: int, exc: Exception) -> RuntimeError:
    return RuntimeError(f"{name} raised {type(exc).__name__} on run {run} of {repeats}: {exc}")


def _name(func: Callable[..., object]) -> str:
    return f"func {getattr(func, '__qualname__', repr(func))}"


def in_rounds(funcs: Mapping[str, Callable[[], T]], repeats: int = 3) -> dict[str, list[T]]:
    """Call every func once per round, repeats rounds; what each returned.

    Interleaving the runs spreads any change in the machine's load over all funcs alike, so
    their measurements can be compared side by side.
    """
    _check_repeats(repeats)
    results: dict[str, list[T]] = {name: [] for name in funcs}
    for run in range(1, repeats + 1):
        for name, func in funcs.items():
            try:
                results[name].append(func())
            except Exception as exc:
                raise _failed(name, run, repeats, exc) from exc
    return results


def repeat_in_rounds(
    funcs: Mapping[str, Callable[[], object]], repeats: int = 3, progress: TextIO | None = None
) -> dict[str, Timing]:
    """Call every func once per round, repeats rounds; each one's times.

    Each run is logged to progress, if given, as "round r/repeats, name: seconds".
    """

    def timed(name: str, func: Callable[[], object]) -> Callable[[], float]:
        rounds = itertools.count(1)

        def run() -> float:
            start = time.perf_counter()
            func()
            elapsed = time.perf_counter() - start
            if progress is not None:
                line = f"round {next(rounds)}/{repeats}, {name}: {elapsed:.3f} s"
                print(line, file=progress, flush=True)
            return elapsed

        return run

    runs = in_rounds({name: timed(name, func) for name, func in funcs.items()}, repeats)
    return {name: Timing(tuple(times)) for name, times in runs.items()}


def repeat(func: Callable[[], object], repeats: int = 5) -> Timing:
    """Call func() repeats times and return its wall-clock times."""
    if inspect.iscoroutinefunction(func):
        raise TypeError("func is a coroutine function: use `await repeat_async(func, repeats)`")
    name = _name(func)
    return repeat_in_rounds({name: func}, repeats)[name]


async def repeat_async(func: Callable[[], Awaitable[object]], repeats: int = 5) -> Timing:
    """Await func() repeats times and return its wall-clock times."""
    _check_repeats(repeats)
    runs = []
    for run in range(1, repeats + 1):
        start = time.perf_counter()
        try:
            awaitable = func()
            if not inspect.isawaitable(awaitable):
                raise TypeError(f"func returned {type(awaitable).__name__}, not an awaitable")
            await awaitable
        except Exception as exc:
            raise _failed(_name(func), run, repeats, exc) from exc
        runs.append(time.perf_counter() - start)
    return Timing(tuple(runs))


@dataclass
class Stopwatch:
    """Context manager that measures the wall-clock time of its block."""

    _start: float | None = field(default=None, repr=False)
    _stop: float | None = field(default=None, repr=False)

    def __enter__(self) -> Stopwatch:
        self._start = time.perf_counter()
        self._stop = None
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop = time.perf_counter()

    @property
    def elapsed(self) -> float:
        """Seconds since the block started, or its total once it has ended."""
        if self._start is None:
            raise RuntimeError("the stopwatch has not been started: use it in a `with` block")
        end = self._stop if self._stop is not None else time.perf_counter()
        return end - self._start
