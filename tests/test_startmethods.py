import multiprocessing
import sys
import time

import psutil
import pytest

from helpers.cpu.startmethods import (
    POOL_APIS,
    pool_startup,
    run_python,
    try_function_from_main,
    try_without_main_guard,
)

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
    # 3.14's fork server imports the script itself, and dies before it can start a worker
    server_dies = method == "forkserver" and sys.version_info >= (3, 14)
    assert trial.outcome.startswith("ConnectionResetError" if server_dies else "BrokenProcessPool")
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
        run_python(
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


def test_pool_startup_times_both_apis_and_the_spawned_workers_cpu():
    timings = pool_startup("spawn", workers=2, repeats=2)
    assert list(timings) == list(POOL_APIS)
    assert all(len(t.runs) == 2 and 0 < t.median < 60 for t in timings.values())
    if sys.platform != "win32":  # os.times() counts children's CPU on POSIX only
        assert all(t.workers_cpu_s > 0 for t in timings.values())


def test_a_heavy_import_makes_every_spawned_worker_import_it():
    light = pool_startup("spawn", workers=2, repeats=1)["ProcessPoolExecutor"]
    heavy = pool_startup("spawn", workers=2, repeats=1, heavy_import=True)["ProcessPoolExecutor"]
    if sys.platform != "win32":
        assert heavy.workers_cpu_s > light.workers_cpu_s + 2 * 0.02  # NumPy: 20 ms and more each


@pytest.mark.skipif("forkserver" not in METHODS, reason="no forkserver here")
def test_forkservers_workers_are_not_our_children():
    timings = pool_startup("forkserver", workers=1, repeats=1)
    assert all(t.workers_cpu_s == 0 for t in timings.values())


def test_pool_startup_rejects_an_unknown_method():
    with pytest.raises(ValueError, match="start method 'thread' is not available here"):
        pool_startup("thread", workers=1)
