"""Self-checks for the exercises of notebook 14-moving-data-and-pools.

The check reads what a busy machine cannot fake: the size of what an answer submits to a process
pool, pickled, the shared-memory blocks it created, and whether each was closed and unlinked.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import shared_memory
from typing import Any

import numpy as np

from helpers.cpu.pools import default_context
from helpers.exercises import Mistake, answer, passed, self_check, watchdog

ARRAY_LENGTH = 1_000_000
_HANG = "it waits for the worker's result; submit the task before waiting for it, and wait once"


class _WatchedPool:
    """A process pool that measures the pickled size of every task submitted to it."""

    def __init__(self, pool: ProcessPoolExecutor) -> None:
        self._pool = pool
        self.sizes: list[int] = []
        self.arguments: list[object] = []

    def _measure(self, payload: object) -> None:
        self.arguments.append(payload)
        try:
            self.sizes.append(len(pickle.dumps(payload)))
        except Exception:
            self.sizes.append(0)  # the real pool raises the error itself

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self._measure((fn, args, kwargs))
        return self._pool.submit(fn, *args, **kwargs)

    def map(self, fn: Callable[..., Any], *iterables: Iterable[Any], **options: Any) -> Any:
        items = list(zip(*iterables, strict=True))
        for item in items:
            self._measure((fn, item))
        return self._pool.map(fn, *zip(*items, strict=True), **options) if items else iter(())


class _Block(shared_memory.SharedMemory):
    """A shared-memory block that notes whether this process closed its mapping."""

    closed = False

    def close(self) -> None:
        super().close()
        self.closed = True


class _WatchedSharedMemory:
    """multiprocessing.shared_memory, noting the blocks created and refusing one too small."""

    def __init__(self, array: np.ndarray) -> None:
        self.array = array
        self.created: list[str] = []
        self.blocks: list[_Block] = []

    def SharedMemory(self, *args: Any, **kwargs: Any) -> shared_memory.SharedMemory:
        block = _Block(*args, **kwargs)
        if kwargs.get("create") or (len(args) > 1 and args[1]):
            self.created.append(block.name)
            self.blocks.append(block)
            if block.size < self.array.nbytes:
                block.close()
                raise Mistake(
                    f"a block of {block.size:,} bytes for an array of {self.array.nbytes:,}: "
                    "SharedMemory's size is in bytes. Size it with array.nbytes (array.size "
                    f"counts the elements, {self.array.itemsize} bytes each here)"
                )
        return block

    def __getattr__(self, name: str) -> Any:
        return getattr(shared_memory, name)


def _left_behind(names: list[str]) -> list[str]:
    """The blocks among names that still exist; each is unlinked, so nothing outlives the check."""
    left = []
    for name in names:
        try:
            block = shared_memory.SharedMemory(name=name)
        except FileNotFoundError:
            continue
        left.append(name)
        block.close()
        block.unlink()
    return left


@self_check
def check_shared_sum(namespace: Any) -> bool | None:
    """14-moving-data-and-pools, exercise 1: shared_sum(pool, array) sums in a worker.

    Requires: the sum computed in the pool (something submitted), the array not pickled with the
    task (every task's pickle under half the array's size), a block of at least array.nbytes
    bytes (not array.size) whose name a task was given, the data copied into the block (the
    right sum of a random array), the block closed and unlinked when shared_sum returns.
    """
    shared_sum = answer(namespace, "shared_sum", "def shared_sum(pool, array)")
    array = np.random.default_rng(9).integers(0, 1_000, size=ARRAY_LENGTH, dtype=np.int64)
    expected = int(array.sum())
    watched_memory = _WatchedSharedMemory(array)
    original = namespace.get("shared_memory")
    namespace["shared_memory"] = watched_memory
    try:
        with ProcessPoolExecutor(1, mp_context=default_context()) as real_pool:
            pool = _WatchedPool(real_pool)
            with watchdog.blocking("shared_sum(pool, array)", advice=_HANG):
                result = shared_sum(pool, array)
    finally:
        namespace["shared_memory"] = original
        left = _left_behind(watched_memory.created)
    if not pool.sizes:
        raise Mistake(
            "nothing was submitted to the pool: the sum was computed in this process. Submit "
            "shared_array_sum(block.name, array.shape, array.dtype.str) to the pool"
        )
    if max(pool.sizes) > array.nbytes // 2:
        raise Mistake(
            f"a task of {max(pool.sizes):,} bytes was submitted for an array of {array.nbytes:,}: "
            "the array itself was pickled. Put it in a shared-memory block and submit its name"
        )
    if not watched_memory.created:
        raise Mistake(
            "no shared-memory block was created: the worker was sent something other than the "
            "array's data. Create a block of array.nbytes, copy the array into it, and submit "
            "shared_array_sum(block.name, array.shape, array.dtype.str)"
        )
    if not any(name in repr(task) for name in watched_memory.created for task in pool.arguments):
        raise Mistake(
            "no task was given the block's name, so no worker read the block: submit "
            "shared_array_sum(block.name, array.shape, array.dtype.str)"
        )
    if result != expected:
        raise Mistake(
            f"shared_sum returned {result!r}, the array sums to {expected:,}: copy the array "
            "into the block (view[:] = array) before submitting, and return the worker's result"
        )
    if left:
        raise Mistake(
            "a shared-memory block outlived shared_sum: call block.unlink() when the worker is "
            "done (in a finally), as well as block.close()"
        )
    if not all(block.closed for block in watched_memory.blocks):
        for block in watched_memory.blocks:
            if not block.closed:
                block.close()
        raise Mistake(
            "the block was unlinked but never closed: this process still maps it until "
            "block.close() (after `del view`, which releases the buffer)"
        )
    return passed(
        f"the sum is right, and the largest task submitted was {max(pool.sizes):,} bytes for an "
        f"array of {array.nbytes:,}; no block was left behind"
    )
