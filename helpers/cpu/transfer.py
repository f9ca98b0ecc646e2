"""What pool workers run when the lesson is moving data to them, not computing (09-cpu-in-depth).

Each task here does little work on a lot of data (a CRC-32 of a buffer), so that what is timed
is how the data reached the worker: pickled and written to the pool's pipe, or placed in
shared memory that the worker maps by name. Everything lives at module level so that workers
started with spawn or forkserver can import it.
"""

from __future__ import annotations

import os
import zlib
from multiprocessing import shared_memory
from typing import Any


def crc32(data: bytes) -> int:
    """CRC-32 of data: the task that receives its data pickled, as an argument."""
    return zlib.crc32(data)


def shared_crc32(name: str, size: int) -> int:
    """CRC-32 of the first size bytes of the shared-memory block `name`, mapped, not copied."""
    block = shared_memory.SharedMemory(name=name)
    try:
        view = block.buf
        assert view is not None  # an open block always has its buffer
        return zlib.crc32(view[:size])
    finally:
        block.close()


def shared_array_sum(name: str, shape: tuple[int, ...], dtype: str) -> int:
    """Sum of the NumPy array of that shape and dtype held in the shared-memory block `name`."""
    import numpy as np  # imported here: workers that do not need NumPy start faster

    block = shared_memory.SharedMemory(name=name)
    try:
        array: Any = np.ndarray(shape, dtype=np.dtype(dtype), buffer=block.buf)
        total = int(array.sum())
        del array  # a view of the block must be gone before the block closes
        return total
    finally:
        block.close()


def send_shared(pool: Any, data: bytes) -> int:
    """CRC-32 of data computed by pool through a shared-memory block, unlinked afterwards."""
    block = shared_memory.SharedMemory(create=True, size=max(1, len(data)))
    try:
        view = block.buf
        assert view is not None  # an open block always has its buffer
        view[: len(data)] = data
        return int(pool.submit(shared_crc32, block.name, len(data)).result())
    finally:
        block.close()
        block.unlink()


# Per-worker set-up, as a pool's `initializer` does it: once per worker process, not per task.
_TABLE: list[int] = []
_SETUPS = 0


def build_table(size: int) -> list[int]:
    """The set-up a task needs: the squares of range(size), as a lookup table."""
    return [i * i for i in range(size)]


def init_table(size: int) -> None:
    """A pool initializer: build this worker's table once, and count the set-ups."""
    global _TABLE, _SETUPS
    _TABLE = build_table(size)
    _SETUPS += 1


def table_sum(start: int, stop: int) -> tuple[int, int, int]:
    """Sum of the table's slice; (sum, this worker's pid, its set-ups so far)."""
    return sum(_TABLE[start:stop]), os.getpid(), _SETUPS


def table_sum_fresh(size: int, start: int, stop: int) -> tuple[int, int, int]:
    """The same sum with the set-up done inside the task, every time: the control."""
    global _SETUPS
    table = build_table(size)
    _SETUPS += 1
    return sum(table[start:stop]), os.getpid(), _SETUPS


def worker_pid(_: object = None) -> int:
    """The process id of the worker that ran this task."""
    return os.getpid()


def dask_crc32(data: bytes) -> tuple[str, int]:
    """In a Dask task: the address of the worker that ran it, and CRC-32 of data."""
    from distributed import get_worker

    return get_worker().address, zlib.crc32(data)
