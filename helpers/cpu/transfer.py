"""What pool workers run when the lesson is moving data to them (14-moving-data-and-pools).

Each task here does little work on a lot of data (a CRC-32 of a buffer), so that what is timed
is how the data reached the worker: pickled and written to the pool's pipe, or placed in
shared memory that the worker maps by name. Everything lives at module level so that workers
started with spawn or forkserver can import it.
"""

from __future__ import annotations

import os
import sys
import zlib
from multiprocessing import shared_memory
from typing import Any


def crc32(data: bytes) -> int:
    """CRC-32 of data: the task that receives its data pickled, as an argument."""
    return zlib.crc32(data)


def attach(name: str) -> shared_memory.SharedMemory:
    """Map the existing shared-memory block `name`, without registering it for clean-up.

    The process that created the block unlinks it. From Python 3.13, track=False keeps a process
    that only attaches from registering the block with the resource tracker too; before 3.13 it
    registers it, harmless for pool workers (they share their parent's tracker), but a process
    with a tracker of its own would have the block unlinked when it exits.
    """
    if sys.version_info >= (3, 13):
        return shared_memory.SharedMemory(name=name, track=False)
    return shared_memory.SharedMemory(name=name)


def shared_crc32(name: str, size: int) -> int:
    """CRC-32 of the first size bytes of the shared-memory block `name`, mapped, not copied."""
    block = attach(name)
    try:
        view = block.buf
        assert view is not None  # an open block always has its buffer
        return zlib.crc32(view[:size])
    finally:
        block.close()  # unmaps it here; the block lives on until its creator unlinks it


def shared_array_sum(name: str, shape: tuple[int, ...], dtype: str) -> int:
    """Sum of the NumPy array of that shape and dtype held in the shared-memory block `name`."""
    import numpy as np  # imported here: workers that do not need NumPy start faster

    block = attach(name)
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
# Each set-up is counted in a multiprocessing.Value shared with the parent, so that a worker
# that ran no task still counts.
_TABLE: list[int] = []
_SETUPS: Any = None


def build_table(size: int) -> list[int]:
    """The set-up a task needs: the squares of range(size), as a lookup table."""
    return [i * i for i in range(size)]


def _count_setup() -> None:
    with _SETUPS.get_lock():
        _SETUPS.value += 1


def keep_counter(setups: Any) -> None:
    """A pool initializer: keep the parent's set-up counter (a multiprocessing.Value), only."""
    global _SETUPS
    _SETUPS = setups


def init_table(size: int, setups: Any) -> None:
    """A pool initializer: build this worker's table once, and count the set-up in setups."""
    global _TABLE
    keep_counter(setups)
    _TABLE = build_table(size)
    _count_setup()


def table_sum(start: int, stop: int) -> int:
    """Sum of a slice of the table this worker's initializer built."""
    return sum(_TABLE[start:stop])


def table_sum_fresh(size: int, start: int, stop: int) -> int:
    """The same sum with the set-up done inside the task, every time: the control."""
    table = build_table(size)
    _count_setup()
    return sum(table[start:stop])


def worker_pid(_: object = None) -> int:
    """The process id of the worker that ran this task."""
    return os.getpid()


def dask_crc32(data: bytes) -> tuple[str, int]:
    """In a Dask task: the address of the worker that ran it, and CRC-32 of data."""
    from distributed import get_worker

    return get_worker().address, zlib.crc32(data)
