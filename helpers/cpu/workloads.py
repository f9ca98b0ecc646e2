"""The article's CPU-bound work, its exact closed form, its inputs (09-choosing-a-model).

The work functions live at module level so that process pools can send them to
workers started with spawn or forkserver, which import this module afresh.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

ARTICLE_COUNT = 20
ARTICLE_START = 10_000_000


def article_numbers(count: int = ARTICLE_COUNT, start: int = ARTICLE_START) -> list[int]:
    """The article's inputs: count consecutive integers from start."""
    return [start + x for x in range(count)]


def sum_of_squares(n: int) -> int:
    """Sum of i * i for i in range(n), term by term: the work being timed."""
    return sum(i * i for i in range(n))


def timed_sum_of_squares(n: int) -> tuple[int, float]:
    """sum_of_squares(n) and the processor time in seconds it took the calling thread."""
    began = time.thread_time()
    total = sum_of_squares(n)
    return total, time.thread_time() - began


def sum_of_squares_closed(n: int) -> int:
    """The same sum from the formula (n-1)n(2n-1)/6, exact in Python ints."""
    if n < 0:
        raise ValueError(f"n must be at least 0, got {n}")
    # One of n-1, n is even and one of n-1, n, 2n-1 is divisible by 3, so // is exact.
    return (n - 1) * n * (2 * n - 1) // 6


def wrong_results(numbers: Sequence[int], results: Sequence[int]) -> list[int]:
    """The numbers whose result differs from the closed form; empty if none."""
    if len(results) != len(numbers):
        raise ValueError(f"got {len(results)} results for {len(numbers)} numbers")
    return [
        n for n, result in zip(numbers, results, strict=True) if result != sum_of_squares_closed(n)
    ]


def check_closed_form(numbers: Iterable[int]) -> None:
    """Raise AssertionError unless closed form and timed sum agree on every n."""
    for n in numbers:
        expected, closed = sum_of_squares(n), sum_of_squares_closed(n)
        if closed != expected:
            raise AssertionError(f"closed form gives {closed} for n={n}, the sum is {expected}")
