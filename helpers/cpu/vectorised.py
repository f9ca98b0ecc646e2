"""The sum of squares in NumPy: the one-liner that overflows, and an exact form (13-cpu-in-depth).

NumPy computes in fixed-width machine integers: int64 holds up to 2**63 - 1, about 9.2e18,
and wraps around without a word past it. The sum of squares of range(10**7) is about 3.3e20,
so `(a * a).sum()` returns a wrong number. The exact form sums in chunks small enough that no
chunk's int64 sum can overflow, and adds the chunk sums as Python integers, which have no limit.
"""

from __future__ import annotations

import numpy as np

INT64_MAX = int(np.iinfo(np.int64).max)
BLOCK = 1 << 20  # numbers squared at once: 8 MiB of int64, so memory stays flat as n grows


def sum_of_squares_int64(n: int) -> int:
    """NumPy's one-liner over range(n) in int64: fast, and wrong once the sum passes 2**63."""
    numbers = np.arange(n, dtype=np.int64)
    return int((numbers * numbers).sum())


def chunk_for(n: int) -> int:
    """The most squares of numbers below n whose int64 sum cannot overflow."""
    largest = max(1, (n - 1) ** 2)
    if largest > INT64_MAX:
        raise ValueError(f"n={n}: (n-1)**2 itself does not fit in int64")
    return max(1, min(BLOCK, INT64_MAX // largest))


def sum_of_squares_exact(n: int) -> int:
    """Sum of i * i for i in range(n) with NumPy, exact: int64 chunk sums added as Python ints."""
    if n < 0:
        raise ValueError(f"n must be at least 0, got {n}")
    chunk = chunk_for(n)
    total = 0
    for start in range(0, n, BLOCK):
        numbers = np.arange(start, min(n, start + BLOCK), dtype=np.int64)
        squares = numbers * numbers
        sums = np.add.reduceat(squares, np.arange(0, len(squares), chunk))
        total += sum(int(value) for value in sums)  # Python ints: no overflow
    return total
