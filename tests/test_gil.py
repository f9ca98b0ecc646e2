"""Threads and the GIL: parallelism read from processor time, and what lies beyond the GIL."""

import concurrent.futures
import hashlib
import os
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from helpers.cpu import gil
from helpers.cpu.gil import (
    ThreadRun,
    executors_beyond_the_gil,
    import_here,
    on_threads,
    sha256_rounds,
    squares_rounds,
    start_and_stop_s,
    thread_counts,
)
from helpers.cpu.pools import usable_cpus
from helpers.cpu.workloads import sum_of_squares_closed


def test_the_workloads_compute_what_they_say():
    buffer = os.urandom(5_000)
    assert sha256_rounds(buffer, 3) == hashlib.sha256(buffer).hexdigest()
    assert sha256_rounds(buffer, 0) == ""
    assert squares_rounds(1_000, 2) == sum_of_squares_closed(1_000)


def test_on_threads_runs_every_task_and_reads_both_clocks():
    run = on_threads(squares_rounds, [(20_000, 1)] * 6, 2)
    assert run.results == (sum_of_squares_closed(20_000),) * 6
    assert (run.threads, run.tasks) == (2, 6)
    assert run.wall > 0 and run.cpu > 0
    assert run.throughput == pytest.approx(6 / run.wall)


@pytest.mark.skipif(not gil.gil_enabled(), reason="a free-threaded build runs Python in parallel")
def test_pure_python_threads_compute_one_at_a_time():
    run = on_threads(squares_rounds, [(100_000, 1)] * 8, 2)
    assert run.parallelism < 1.25


def test_parallelism_is_processor_time_over_wall_time():
    run = ThreadRun(2, 4, wall=0.5, cpu=0.9, results=())
    assert run.parallelism == pytest.approx(1.8)
    assert run.cpu_per_task == pytest.approx(0.225)


def test_start_and_stop_runs_a_task_per_worker_and_shuts_down():
    made = []

    def make():
        made.append(ThreadPoolExecutor(2))
        return made[-1]

    assert start_and_stop_s(make, 2) > 0
    with pytest.raises(RuntimeError, match="shutdown"):
        made[0].submit(print)


def test_on_threads_needs_a_thread():
    with pytest.raises(ValueError, match="at least 1"):
        on_threads(squares_rounds, [(10, 1)], 0)


def test_thread_counts_go_past_the_cpus_each_once():
    assert thread_counts(1) == [1, 2]
    assert thread_counts(2) == [1, 2, 4]
    assert thread_counts(8) == [1, 2, 8, 16]
    assert thread_counts()[-1] == 2 * usable_cpus()


def test_with_the_gil_and_no_interpreter_pool_nothing_is_beyond_it(monkeypatch):
    monkeypatch.setattr(sys, "_is_gil_enabled", lambda: True, raising=False)
    # concurrent.futures hands out InterpreterPoolExecutor from a module __getattr__ on 3.14:
    # deleting the attribute takes nothing away, so the lookup itself is replaced
    monkeypatch.setattr(gil, "interpreter_pool", lambda: None)
    assert gil.gil_enabled() is True
    assert executors_beyond_the_gil(2) == {}


def test_a_free_threaded_python_offers_threads_and_a_newer_one_interpreters(monkeypatch):
    monkeypatch.setattr(sys, "_is_gil_enabled", lambda: False, raising=False)
    # stands in for 3.14's InterpreterPoolExecutor, which has the same constructor
    monkeypatch.setattr(
        concurrent.futures, "InterpreterPoolExecutor", ThreadPoolExecutor, raising=False
    )
    found = executors_beyond_the_gil(2)
    assert sorted(found) == ["sub-interpreters", "threads, no GIL"]
    for make in found.values():
        with make() as executor:
            assert list(executor.map(sum_of_squares_closed, [3, 4])) == [5, 14]


def test_the_build_is_reported_as_a_bool():
    assert isinstance(gil.free_threaded_build(), bool)


def test_import_here_says_what_could_not_be_imported():
    assert import_here("zlib") == "imported"
    assert import_here("no_such_module_anywhere").startswith("ModuleNotFoundError: No module")
