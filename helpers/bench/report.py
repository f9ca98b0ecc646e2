"""What every benchmark prints and saves: a text table and a JSON report."""

from __future__ import annotations

import os
import platform
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from helpers.measure.timing import Timing


@dataclass(frozen=True)
class Column:
    """A number column of a results table: title, width, format spec."""

    title: str
    width: int
    spec: str


TIMING_COLUMNS = (
    Column("median s", 9, ".3f"),
    Column("min s", 8, ".3f"),
    Column("max s", 8, ".3f"),
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
        cells = [
            f"{'-' if value is None else format(value, c.spec):>{c.width}}"
            for value, c in zip(values, columns, strict=True)
        ]
        lines.append(" ".join([f"{row.strategy:<{width}}", *cells, "yes" if row.correct else "NO"]))
    return "\n".join(lines)


def result_row(strategy: str, timing: Timing, correct: bool, **details: Any) -> dict[str, Any]:
    """A result in a JSON report: strategy, details, median and every run."""
    return {
        "strategy": strategy,
        **details,
        "median_s": timing.median,
        "runs_s": list(timing.runs),
        "correct": correct,
    }


def report(benchmark: str, results: Sequence[dict[str, Any]], **settings: Any) -> dict[str, Any]:
    """The JSON document of a benchmark run: machine, settings, results."""
    return {
        "benchmark": benchmark,
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        **settings,
        "correct": all(result["correct"] for result in results),
        "results": list(results),
    }
