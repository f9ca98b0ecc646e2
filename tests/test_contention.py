import subprocess
import sys
import time

import psutil
import pytest

from helpers.measure import contention
from helpers.measure.contention import (
    Contention,
    OtherCpus,
    own_processes_running,
    threads_ready_to_run,
)

linux = pytest.mark.skipif(sys.platform != "linux", reason="/proc/stat is Linux's")


@linux
def test_counts_at_least_the_thread_that_asks():
    assert threads_ready_to_run() >= 1


def test_unknown_without_proc_stat(monkeypatch, tmp_path):
    monkeypatch.setattr(contention, "PROC_STAT", tmp_path / "missing")
    assert threads_ready_to_run() is None
    with Contention(interval=0.01) as watch:
        time.sleep(0.05)
    assert watch.excess is None


def test_excess_counts_other_threads_beyond_the_free_cpus(monkeypatch):
    counts = iter([1, 4, 6, 2] + [1] * 1000)  # the sampler itself is one of them
    monkeypatch.setattr(contention, "threads_ready_to_run", lambda: next(counts))
    monkeypatch.setattr(contention, "own_processes_running", lambda me: 0)
    with Contention(interval=0.001, cpus=2) as watch:
        while len(watch._samples) < 4:
            time.sleep(0.001)
    first = watch._samples[:4]
    assert first == [0, 1, 3, 0]
    assert watch.excess <= 1.0


def test_our_own_workers_are_not_contention(monkeypatch):
    # 3 of ours running on 2 CPUs plus the sampler: no other thread is waiting
    monkeypatch.setattr(contention, "threads_ready_to_run", lambda: 4)
    monkeypatch.setattr(contention, "own_processes_running", lambda me: 3)
    with Contention(interval=0.001, cpus=2) as watch:
        time.sleep(0.05)
    assert watch.excess == 0


def test_one_other_thread_competes_when_ours_fill_the_cpus(monkeypatch):
    monkeypatch.setattr(contention, "threads_ready_to_run", lambda: 4)
    monkeypatch.setattr(contention, "own_processes_running", lambda me: 2)
    with Contention(interval=0.001, cpus=2) as watch:
        time.sleep(0.05)
    assert watch.excess == 1


@linux
def test_a_busy_child_counts_as_ours():
    child = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.2)
        # the calling process is running too, as it asks: only a count of 2 includes the child
        assert max(own_processes_running() for _ in range(50)) >= 2
        assert max(own_processes_running(psutil.Process(child.pid)) for _ in range(50)) == 1
    finally:
        child.kill()
        child.wait()


def test_measures_one_block_only():
    watch = Contention()
    with watch:
        pass
    with pytest.raises(RuntimeError, match="measures one block"), watch:
        pass


def test_rejects_a_zero_interval():
    with pytest.raises(ValueError, match="interval must be positive, got 0"):
        Contention(interval=0)


def test_other_cpus_sees_another_program_computing():
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.3)  # let it start spinning
        with OtherCpus() as others:
            time.sleep(1.0)
    finally:
        spinner.kill()
        spinner.wait()
    assert others.cpus > 0.6, "one spinning program keeps about one CPU busy"
