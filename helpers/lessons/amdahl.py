"""Amdahl's law: a serial fraction's speed-up, a speed-up's serial fraction (07-cpu-benchmark).

If a fraction f of a run cannot be shared out (start-up, sending work, the longest chunk),
p workers finish in f + (1 - f) / p of the sequential time, so the speed-up is
1 / (f + (1 - f) / p), never more than 1 / f (introduced in 07-cpu-benchmark).
"""

from __future__ import annotations

from collections.abc import Mapping


def amdahl_speedup(workers: float, serial_fraction: float) -> float:
    """Speed-up Amdahl's law predicts on workers cores for a serial fraction."""
    if workers <= 0:
        raise ValueError(f"workers must be positive, got {workers}")
    if not 0 <= serial_fraction <= 1:
        raise ValueError(f"serial_fraction must be between 0 and 1, got {serial_fraction}")
    return 1 / (serial_fraction + (1 - serial_fraction) / workers)


def fit_serial_fraction(speedups: Mapping[int, float]) -> float:
    """Least-squares serial fraction of measured {workers: speed-up}.

    Only points with at least 2 workers count. Amdahl's law is a straight line in 1/speed-up,
    1/S - 1/p = f * (1 - 1/p), so f is the slope of that line through the origin, clamped to
    [0, 1]. With one point it is the Karp-Flatt metric.
    """
    points = {p: s for p, s in speedups.items() if p >= 2}
    if not points:
        raise ValueError("need a speed-up measured with at least 2 workers to fit a fraction")
    if any(s <= 0 for s in points.values()):
        raise ValueError(f"speed-ups must be positive, got {points}")
    slope = sum((1 / s - 1 / p) * (1 - 1 / p) for p, s in points.items()) / sum(
        (1 - 1 / p) ** 2 for p in points
    )
    return min(1.0, max(0.0, slope))
