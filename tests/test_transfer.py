"""What pool workers run to get data, pickled or in shared memory, under spawn and forkserver."""

import multiprocessing
import os
import zlib
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import shared_memory

import numpy as np
import pytest

from helpers.cpu import transfer
from helpers.cpu.transfer import (
    attach,
    build_table,
    crc32,
    dask_crc32,
    init_table,
    keep_counter,
    send_shared,
    shared_array_sum,
    shared_crc32,
    table_sum,
    table_sum_fresh,
    worker_pid,
)

METHODS = [m for m in ("spawn", "forkserver") if m in multiprocessing.get_all_start_methods()]


@pytest.fixture(params=METHODS)
def pool(request):
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context(request.param)) as pool:
        yield pool


def test_pickled_and_shared_give_the_same_checksum(pool):
    for size in (0, 1, 5_000, 2**20 + 3):
        data = os.urandom(size)
        assert pool.submit(crc32, data).result() == send_shared(pool, data) == zlib.crc32(data)


def test_send_shared_unlinks_its_block(pool, monkeypatch):
    names = []
    real = shared_memory.SharedMemory

    def noting(*args, **kwargs):
        block = real(*args, **kwargs)
        names.append(block.name)
        return block

    monkeypatch.setattr(transfer.shared_memory, "SharedMemory", noting)
    send_shared(pool, b"abc")
    with pytest.raises(FileNotFoundError):
        real(name=names[0])


def test_a_numpy_array_is_summed_in_place(pool):
    array = np.arange(1_000, dtype=np.int32).reshape(10, 100)
    block = shared_memory.SharedMemory(create=True, size=array.nbytes)
    try:
        view = np.ndarray(array.shape, dtype=array.dtype, buffer=block.buf)
        view[:] = array
        del view
        total = pool.submit(shared_array_sum, block.name, array.shape, array.dtype.str).result()
    finally:
        block.close()
        block.unlink()
    assert total == int(array.sum())


@pytest.mark.parametrize("method", METHODS)
def test_the_initializer_runs_once_per_worker(method):
    context = multiprocessing.get_context(method)
    slices = [(0, 10), (10, 20), (20, 30), (30, 40)]
    once, every = context.Value("i", 0), context.Value("i", 0)
    with ProcessPoolExecutor(
        2, mp_context=context, initializer=init_table, initargs=(100, once)
    ) as pool:
        sums = list(pool.map(table_sum, *zip(*slices, strict=True)))
        workers = len(pool._processes)  # the workers it started, whether they ran a task or not
    with ProcessPoolExecutor(
        2, mp_context=context, initializer=keep_counter, initargs=(every,)
    ) as pool:
        control = list(pool.map(table_sum_fresh, [100] * 4, *zip(*slices, strict=True)))
    table = build_table(100)
    assert sums == control == [sum(table[a:b]) for a, b in slices]
    assert once.value == workers
    assert every.value == len(slices)


def test_a_worker_attaches_without_unlinking(pool):
    block = shared_memory.SharedMemory(create=True, size=3)
    try:
        block.buf[:3] = b"abc"
        assert pool.submit(shared_crc32, block.name, 3).result() == zlib.crc32(b"abc")
        assert pool.submit(shared_crc32, block.name, 3).result() == zlib.crc32(b"abc")
        again = attach(block.name)  # still there: the worker only closed its mapping
        assert bytes(again.buf[:3]) == b"abc"
        again.close()
    finally:
        block.close()
        block.unlink()


def test_worker_pid_names_the_worker(pool):
    assert pool.submit(worker_pid).result() != os.getpid()


def test_a_dask_task_says_which_worker_ran_it():
    from helpers.cpu.cluster import dask_client

    with dask_client(1) as client:
        address, crc = client.submit(dask_crc32, b"abc", pure=False).result()
        assert address in client.scheduler_info()["workers"]
    assert crc == zlib.crc32(b"abc")
