import subprocess
import sys
import threading
import time

import psutil
import pytest

from helpers.measure import contention
from helpers.measure.contention import (
    Contention,
    OtherCpus,
    own_cpu_s,
    own_threads_running,
    threads_ready_to_run,
    threads_running,
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
    monkeypatch.setattr(contention, "own_threads_running", lambda me: 1)  # the sampler
    with Contention(interval=0.001, cpus=2) as watch:
        while len(watch._samples) < 4:
            time.sleep(0.001)
    first = watch._samples[:4]
    assert first == [0, 2, 4, 0]  # others 0, 3, 5, 1; the sampler left one CPU free
    assert watch.excess == pytest.approx(sum(watch._samples) / len(watch._samples))


def test_our_own_workers_are_not_contention(monkeypatch):
    # 3 of ours running on 2 CPUs plus the sampler: no other thread is waiting
    monkeypatch.setattr(contention, "threads_ready_to_run", lambda: 4)
    monkeypatch.setattr(contention, "own_threads_running", lambda me: 4)
    with Contention(interval=0.001, cpus=2) as watch:
        time.sleep(0.05)
    assert watch.excess == 0


def test_one_other_thread_competes_when_ours_fill_the_cpus(monkeypatch):
    monkeypatch.setattr(contention, "threads_ready_to_run", lambda: 4)
    monkeypatch.setattr(contention, "own_threads_running", lambda me: 3)
    with Contention(interval=0.001, cpus=2) as watch:
        time.sleep(0.05)
    assert watch.excess == 1


@linux
def test_a_busy_child_counts_as_ours():
    child = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.2)
        # the calling thread is running too, as it asks: only a count of 2 includes the child
        assert max(own_threads_running() for _ in range(50)) >= 2
        assert max(own_threads_running(psutil.Process(child.pid)) for _ in range(50)) == 1
    finally:
        child.kill()
        child.wait()


HASHING_THREADS = """
import hashlib, threading
data = bytes(1 << 20)
def spin():
    while True:
        hashlib.sha256(data).digest()  # releases the GIL: all four threads stay runnable
for _ in range(4):
    threading.Thread(target=spin, daemon=True).start()
threading.Event().wait()
"""


@linux
def test_each_running_thread_of_a_process_counts():
    child = subprocess.Popen([sys.executable, "-c", HASHING_THREADS])
    try:
        time.sleep(0.3)
        # four threads ready to run (on 2 CPUs, some wait for one, and still count)
        assert max(threads_running(child.pid) for _ in range(50)) >= 3
    finally:
        child.kill()
        child.wait()
    assert threads_running(child.pid) == 0  # gone


@linux
def test_sampling_many_threads_costs_little_cpu():
    release = threading.Event()
    sleepers = [threading.Thread(target=release.wait) for _ in range(500)]
    for thread in sleepers:
        thread.start()
    try:
        with Contention(interval=0.001) as watch:
            time.sleep(0.5)
    finally:
        release.set()
        for thread in sleepers:
            thread.join()
    # each sample reads 500 threads' states: the sampler waited 20 samples' time between them
    assert 1 <= len(watch._samples) < 0.5 / 0.001 / 2


def test_measures_one_block_only():
    watch = Contention()
    with watch:
        pass
    with pytest.raises(RuntimeError, match="measures one block"), watch:
        pass


def test_rejects_a_zero_interval():
    with pytest.raises(ValueError, match="interval must be positive, got 0"):
        Contention(interval=0)


@linux
def test_other_cpus_sees_another_program_computing():
    # started by a shell that exits at once: the spinner is not our descendant, another program
    started = subprocess.run(
        ["sh", "-c", f'"{sys.executable}" -c "while True: pass" >/dev/null 2>&1 & echo $!'],
        capture_output=True,
        text=True,
        check=True,
    )
    spinner = psutil.Process(int(started.stdout))
    try:
        assert spinner.pid not in {child.pid for child in psutil.Process().children(True)}
        time.sleep(0.3)  # let it start spinning
        with OtherCpus() as others:
            time.sleep(1.0)
    finally:
        spinner.kill()
    assert others.cpus > 0.6, "one spinning program keeps about one CPU busy"


SPIN_ONE_SECOND = (
    "import time\nend = time.process_time() + 1\nwhile time.process_time() < end: pass"
)


def test_own_cpu_includes_a_child_that_has_exited():
    before = own_cpu_s()
    subprocess.run([sys.executable, "-c", SPIN_ONE_SECOND], check=True)
    assert own_cpu_s() - before >= 0.9  # the child's second of CPU, handed to us as it exited


def test_own_cpu_includes_a_live_child():
    child = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        before = own_cpu_s()
        time.sleep(0.5)
        assert own_cpu_s() - before > 0.2  # the child spun meanwhile; we slept
    finally:
        child.kill()
        child.wait()
