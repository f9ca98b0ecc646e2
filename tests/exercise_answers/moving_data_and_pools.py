"""What 14-moving-data-and-pools defines before its exercises (wrong answers: the .toml)."""

from concurrent.futures import ProcessPoolExecutor
from multiprocessing import shared_memory

import numpy as np
from solutions import named

from helpers.cpu.transfer import shared_array_sum


def notebook_namespace() -> dict:
    """What 14-moving-data-and-pools defines before its exercises, as the exercises use it."""
    return named(ProcessPoolExecutor, shared_memory, shared_array_sum, np=np)
