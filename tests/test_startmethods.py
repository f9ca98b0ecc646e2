import multiprocessing
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor

import psutil
import pytest

from helpers.cpu.startmethods import (
    POOL_APIS,
    _run_python,
    pool_startup,
    stop_services,
    try_function_from_main,
    try_without_main_guard,
)
from helpers.cpu.workloads import sum_of_squares

METHODS = multiprocessing.get_all_start_methods()
no_fork = pytest.mark.skipif(sys.platform != "linux", reason="fork is tried on Linux only")


@no_fork
def test_fork_copies_the_function_defined_in_main():
    trial = try_function_from_main("fork")
    assert trial.ok and trial.outcome == "ok: [0, 1, 4, 9]"
    assert trial.worker_error is None


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_a_fresh_worker_cannot_find_the_function_and_the_executor_breaks(method):
    if method not in METHODS:
        pytest.skip(f"no {method} here")
    trial = try_function_from_main(method)
    assert not trial.ok
    assert trial.outcome.startswith("BrokenProcessPool: ")
    assert trial.worker_error.startswith("AttributeError") and "'square'" in trial.worker_error


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_without_the_main_guard_the_child_refuses_to_start_a_pool(method):
    if method not in METHODS:
        pytest.skip(f"no {method} here")
    trial = try_without_main_guard(method)
    assert trial.outcome.startswith("BrokenProcessPool: ")
    assert trial.worker_error.startswith("RuntimeError: An attempt has been made to start a new")
    assert "bootstrapping phase" in trial.worker_error


@no_fork
def test_under_fork_the_unguarded_script_runs():
    trial = try_without_main_guard("fork")
    assert trial.ok and trial.worker_error is None


def test_multiprocessing_pool_waits_for_the_lost_answer_until_the_timeout():
    trial = try_function_from_main("spawn", "multiprocessing.Pool", wait=1)
    assert trial.outcome.startswith("no answer after 1 s")
    assert trial.worker_error.startswith("AttributeError") and "'square'" in trial.worker_error


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "thread"}, "start method 'thread' is not available here"),
        ({"method": "spawn", "api": "Dask"}, "api must be one of"),
    ],
)
def test_try_function_from_main_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        try_function_from_main(**kwargs)


def test_a_hung_experiment_is_killed_with_its_children():
    marker = "time.sleep(61.25)"
    with pytest.raises(TimeoutError, match="took more than 1 s"):
        _run_python(
            [
                "-c",
                "import subprocess, sys, time; "
                f"subprocess.Popen([sys.executable, '-c', 'import time; {marker}']); {marker}",
            ],
            timeout=1,
        )
    time.sleep(0.5)
    alive = [
        p
        for p in psutil.process_iter(["cmdline", "status"])
        if marker in " ".join(p.info["cmdline"] or []) and p.info["status"] != psutil.STATUS_ZOMBIE
    ]
    assert alive == []


def test_pool_startup_times_both_apis():
    timings = pool_startup("spawn", workers=1, repeats=1)
    assert list(timings) == list(POOL_APIS)
    assert all(len(t.runs) == 1 and 0 < t.median < 60 for t in timings.values())


def test_pool_startup_rejects_an_unknown_method():
    with pytest.raises(ValueError, match="start method 'thread' is not available here"):
        pool_startup("thread", workers=1)


def _services() -> list[psutil.Process]:
    """multiprocessing's resource tracker and fork server (`-c from multiprocessing...`)."""
    return [
        p for p in psutil.Process().children() if "from multiprocessing." in " ".join(p.cmdline())
    ]


@pytest.mark.skipif(sys.platform == "win32", reason="Windows has no such services")
def test_stop_services_leaves_no_service_and_pools_still_work():
    for method in ("spawn", "forkserver"):
        context = multiprocessing.get_context(method)
        with ProcessPoolExecutor(1, mp_context=context) as pool:
            assert pool.submit(sum_of_squares, 10).result() == 285
    assert _services(), "the resource tracker and the fork server should be running"
    stop_services()
    assert _services() == []
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        assert pool.submit(sum_of_squares, 10).result() == 285
    stop_services()
    assert _services() == []


@pytest.mark.skipif(sys.platform == "win32", reason="Windows has no such services")
def test_stop_services_waits_for_semaphores_still_being_freed(capfd):
    stop_services()  # the resource tracker started below then writes to this test's stderr
    holder = [multiprocessing.get_context("spawn").Lock()]  # registered with the tracker
    # freed a moment later, as a closed pool's queue is once its feeder thread has ended
    threading.Timer(0.3, holder.clear).start()
    stop_services()
    assert holder == []
    assert "leaked semaphore" not in capfd.readouterr().err
