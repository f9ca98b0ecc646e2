"""What 13-cpu-in-depth defines before its exercises (wrong answers: the .toml)."""

import hashlib
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
from solutions import named

from helpers.cpu.vectorised import sum_of_squares_exact, sum_of_squares_int64
from helpers.cpu.workloads import sum_of_squares, sum_of_squares_closed


def notebook_namespace() -> dict:
    """What 13-cpu-in-depth defines before its exercises, as the exercises use it."""
    return named(
        hashlib,
        ProcessPoolExecutor,
        ThreadPoolExecutor,
        sum_of_squares,
        sum_of_squares_closed,
        sum_of_squares_exact,
        sum_of_squares_int64,
        np=np,
    )
