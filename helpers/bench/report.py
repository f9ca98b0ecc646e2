"""What every benchmark prints and saves: a text table and a JSON report."""

from __future__ import annotations

import os
import platform
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from helpers.cpu.pools import usable_cpus
from helpers.measure.timing import Timing

_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def format_seconds(value: float) -> str:
    """Seconds to the millisecond; below a millisecond, two significant figures: 1.7e-05."""
    return f"{value:.3f}" if value >= 0.001 or value == 0 else f"{value:.1e}"


def format_ratio(value: float) -> str:
    """A ratio to two decimals, or, from 1,000 up, its order of magnitude: ≈5·10⁴."""
    if value < 1000:
        return f"{value:.2f}"
    mantissa, exponent = f"{value:.0e}".split("e")
    return f"≈{mantissa}·10{str(int(exponent)).translate(_SUPERSCRIPTS)}"


@dataclass(frozen=True)
class Column:
    """A number column of a results table: title, width, and a format spec or function."""

    title: str
    width: int
    spec: str | Callable[[float], str]

    def format(self, value: float | None) -> str:
        """The value, formatted and right-aligned to the column's width; "-" for none."""
        if value is None:
            text = "-"
        else:
            text = self.spec(value) if callable(self.spec) else format(value, self.spec)
        return f"{text:>{self.width}}"


TIMING_COLUMNS = (
    Column("median s", 9, format_seconds),
    Column("min s", 8, format_seconds),
    Column("max s", 8, format_seconds),
)


@dataclass(frozen=True)
class Row:
    """A strategy's line in a results table: a count, its times, figures derived from them, and
    whether its answers were right."""

    strategy: str
    count: int | None
    timing: Timing
    derived: Sequence[float | None]
    correct: bool


def format_table(
    count: Column, derived: Sequence[Column], rows: Sequence[Row], min_width: int = 0
) -> str:
    """Strategies down; a count, times, derived figures across; "-" for none."""
    columns = [count, *TIMING_COLUMNS, *derived]
    width = max(min_width, len("strategy"), *(len(row.strategy) for row in rows))
    header = [f"{'strategy':<{width}}", *(f"{c.title:>{c.width}}" for c in columns), "correct"]
    lines = [" ".join(header)]
    for row in rows:
        timing = (row.timing.median, row.timing.min, row.timing.max)
        values = (row.count, *timing, *row.derived)
        cells = [c.format(value) for value, c in zip(values, columns, strict=True)]
        lines.append(" ".join([f"{row.strategy:<{width}}", *cells, "yes" if row.correct else "NO"]))
    return "\n".join(lines)


def interquartile_range(runs: Sequence[float]) -> float:
    """The spread of the middle half of runs: third quartile less first; 0 for one run."""
    if len(runs) < 2:
        return 0.0
    first, _, third = statistics.quantiles(runs, n=4, method="inclusive")
    return third - first


def result_row(strategy: str, timing: Timing, correct: bool, **details: Any) -> dict[str, Any]:
    """A result in a JSON report: strategy, details, median, interquartile range, every run."""
    return {
        "strategy": strategy,
        **details,
        "median_s": timing.median,
        "iqr_s": interquartile_range(timing.runs),
        "runs_s": list(timing.runs),
        "correct": correct,
    }


def load_average() -> list[float] | None:
    """The 1-, 5- and 15-minute load averages now; None where the system has none (Windows)."""
    return list(os.getloadavg()) if hasattr(os, "getloadavg") else None


class RunConditions:
    """The machine's load over a benchmark, for `with`: load averages, other CPUs, steal, busy.

    Busy is judged on `OtherCpus` alone (the machine's CPU time less the benchmark's own, its
    workers and server included; and the host's steal time). The load averages are recorded but
    not judged: they count the benchmark's own threads, and the 1-minute figure still holds the
    last minute's work, a previous benchmark's included. `OtherCpus` runs no thread, so the block
    may fork.
    """

    def __init__(self) -> None:
        self.load_average: list[float] | None = None
        self.load_average_end: list[float] | None = None
        self.other_cpus: float | None = None
        self.steal_cpus: float | None = None
        self._others: Any = None

    def __enter__(self) -> RunConditions:
        from helpers.measure.othercpus import OtherCpus  # psutil: keep pool workers light

        self.load_average = load_average()
        self._others = OtherCpus().__enter__()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._others.__exit__(*exc_info)
        self.other_cpus = self._others.cpus
        self.steal_cpus = self._others.steal
        self.load_average_end = load_average()

    @property
    def busy_reason(self) -> str | None:
        """Why the machine was busy during the block, or None."""
        from helpers.measure.othercpus import busy_reason  # psutil: keep pool workers light

        return busy_reason(self.other_cpus, self.steal_cpus)

    def warning(self) -> str | None:
        """The line a benchmark prints when the machine was busy, or None."""
        reason = self.busy_reason
        if reason is None:
            return None
        return f"WARNING: the machine was busy during the run ({reason}): times are inflated"

    def as_dict(self) -> dict[str, Any]:
        """The report's keys: load averages at the start and end, other CPUs, busy and why."""
        return {
            "load_average": self.load_average,
            "load_average_end": self.load_average_end,
            "other_cpus": self.other_cpus,
            "steal_cpus": self.steal_cpus,
            "busy": self.busy_reason is not None,
            "busy_reason": self.busy_reason,
        }


def report(
    benchmark: str,
    results: Sequence[dict[str, Any]],
    conditions: RunConditions | None = None,
    **settings: Any,
) -> dict[str, Any]:
    """The JSON document of a benchmark run: machine, its load, settings, results."""
    machine = conditions.as_dict() if conditions is not None else {"load_average": load_average()}
    return {
        "benchmark": benchmark,
        "cpu_count": usable_cpus(),
        "python": platform.python_version(),
        **machine,
        **settings,
        "correct": all(result["correct"] for result in results),
        "results": list(results),
    }
