import asyncio
import json
import math
import multiprocessing
import os
import platform
import subprocess
import sys
import threading
import time

import pytest

import helpers.bench.__main__ as bench_cli
from helpers.bench.__main__ import main
from helpers.bench.cpu import (
    CPU_STRATEGIES,
    CpuResult,
    CpuStrategy,
    cpu_report,
    cpu_strategy,
    format_cpu_table,
    gil_enabled,
    ideal_speedup,
    pool_map_chunksize,
    record_pool_map,
    results_from_report,
    run_asyncio,
    run_cpu_benchmark,
    start_together,
    sum_of_squares_in_worker,
)
from helpers.bench.report import RunConditions
from helpers.cpu.workloads import article_numbers, sum_of_squares, sum_of_squares_closed
from helpers.measure.timing import Timing

SMALL = article_numbers(4, 20_000)
EXPECTED = [sum_of_squares_closed(n) for n in SMALL]
SMALL_ARGS = ["--numbers", "4", "--start", "20000", "--repeat", "1", "--workers", "2"]
START_METHODS = [
    method
    for method in ("spawn", "forkserver", "fork")
    if method in multiprocessing.get_all_start_methods()
    and (method != "fork" or sys.platform == "linux")
]


@pytest.mark.parametrize("start_method", START_METHODS)
@pytest.mark.parametrize("strategy", CPU_STRATEGIES, ids=lambda s: s.name)
def test_strategy_is_exact_under_each_start_method(strategy, start_method):
    context = multiprocessing.get_context(start_method)
    assert strategy.run(SMALL, 2, context) == EXPECTED


@pytest.mark.skipif(sys.platform != "linux", reason="fork is the start method tested on Linux")
def test_cli_forks_no_process_that_has_threads():
    # Python 3.12+ warns when forking a process with threads, but only prints the warning:
    # even -W error or pytest's filterwarnings cannot turn it into a failure.
    command = [sys.executable, "-W", "always", "-m", "helpers.bench", "cpu", *SMALL_ARGS]
    command += ["--start-method", "fork", "--repeat", "4"]  # 12 forks: the race showed 1 in 6
    completed = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    assert "every result is exact" in completed.stdout
    assert "Warning" not in completed.stderr


def test_asyncio_strategy_runs_inside_a_running_loop_as_in_jupyter():
    async def cell():
        return run_asyncio(SMALL, 2, multiprocessing.get_context("spawn"))

    assert asyncio.run(cell()) == EXPECTED


def test_harness_times_every_strategy_and_checks_it():
    results = run_cpu_benchmark(SMALL, repeats=2, workers=2, start_method="spawn")
    assert [r.strategy for r in results] == [s.name for s in CPU_STRATEGIES]
    assert [r.workers for r in results] == [None, 2, 2, 2, 2, None]
    assert all(len(r.timing.runs) == 2 and r.correct for r in results)


def test_harness_flags_a_wrong_strategy():
    broken = CpuStrategy("broken", lambda numbers, workers, context: [0] * len(numbers))
    (result,) = run_cpu_benchmark(SMALL, repeats=1, workers=1, strategies=[broken])
    assert not result.correct


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"numbers": []}, "numbers is empty"),
        ({"numbers": [-1]}, "numbers must be at least 0, got -1"),
        ({"numbers": SMALL, "workers": 0}, "workers must be at least 1, got 0"),
    ],
)
def test_harness_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        run_cpu_benchmark(**kwargs)


def test_table_shows_speed_up_and_efficiency():
    results = [
        CpuResult("sequential", None, Timing((4.0,)), True),
        CpuResult("ProcessPoolExecutor", 2, Timing((2.0, 2.5, 3.0)), True),
    ]
    lines = format_cpu_table(results).splitlines()
    assert lines[0].split() == [
        "strategy", "workers", "median", "s", "min", "s", "max", "s",
        "speed-up", "efficiency", "correct",
    ]  # fmt: skip
    assert lines[1].split() == ["sequential", "-", "4.000", "4.000", "4.000", "1.00", "-", "yes"]
    assert lines[2].split() == [
        "ProcessPoolExecutor", "2", "2.500", "2.000", "3.000", "1.60", "0.80", "yes",
    ]  # fmt: skip


def test_cli_writes_json_with_the_documented_schema(tmp_path):
    path = tmp_path / "cpu.json"
    command = [sys.executable, "-m", "helpers.bench", "cpu", *SMALL_ARGS]
    command += ["--start-method", "spawn", "--json", str(path)]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    assert "every result is exact" in completed.stdout
    report = json.loads(path.read_text())
    assert set(report) == {
        "benchmark", "cpu_count", "python", "load_average", "load_average_end", "other_cpus",
        "steal_cpus", "busy", "busy_reason", "rounds", "numbers", "start", "start_method",
        "correct", "results", "command",
    }  # fmt: skip
    rerun = report["command"].split()
    assert rerun[:4] == ["python", "-m", "helpers.bench", "cpu"]
    assert rerun[rerun.index("--start-method") + 1] == "spawn"
    assert rerun[rerun.index("--numbers") + 1] == str(report["numbers"])
    assert report["benchmark"] == "cpu"
    assert isinstance(report["cpu_count"], int)
    assert report["python"] == platform.python_version()
    for key in ("load_average", "load_average_end"):
        assert report[key] is None or len(report[key]) == 3
    assert report["other_cpus"] >= 0
    assert isinstance(report["busy"], bool)
    assert (report["busy_reason"] is None) == (not report["busy"])
    warned = "WARNING: the machine was busy" in completed.stdout
    assert warned == report["busy"]
    assert report["rounds"] == 1
    assert (report["numbers"], report["start"]) == (4, 20_000)
    assert (report["start_method"], report["correct"]) == ("spawn", True)
    assert [r["strategy"] for r in report["results"]] == [s.name for s in CPU_STRATEGIES]
    for row in report["results"]:
        assert set(row) == {
            "strategy", "workers", "median_s", "iqr_s", "runs_s", "correct", "speedup",
            "ideal_speedup", "of_ideal",
        }  # fmt: skip
        assert row["workers"] in (None, 2)
        assert row["correct"] is True
        assert isinstance(row["median_s"], float)
        assert row["iqr_s"] == 0.0  # one round: no spread
        assert len(row["runs_s"]) == 1 and isinstance(row["runs_s"][0], float)
        assert row["speedup"] == pytest.approx(report["results"][0]["median_s"] / row["median_s"])
    ideal = {row["strategy"]: row["ideal_speedup"] for row in report["results"]}
    processes = 4 / math.ceil(4 / min(2, report["cpu_count"]))
    assert ideal == {
        "sequential": 1.0,
        "threads": 1.0 if gil_enabled() else processes,
        "ProcessPoolExecutor": processes,
        "multiprocessing.Pool": processes,
        "asyncio + processes": processes,
        "closed form": None,
    }


def test_cli_default_is_five_rounds():
    args = bench_cli.build_parser().parse_args(["cpu"])
    assert args.repeat == 5
    assert bench_cli.build_parser().parse_args(["io"]).repeat == 5


@pytest.mark.parametrize(
    ("strategy", "workers", "tasks", "cpus", "expected"),
    [
        ("sequential", None, 20, 2, 1.0),
        ("closed form", None, 20, 2, None),
        ("ProcessPoolExecutor", 2, 20, 2, 2.0),
        ("ProcessPoolExecutor", 8, 20, 8, 20 / 3),  # waves: ceil(20 / 8) = 3
        ("ProcessPoolExecutor", 8, 20, 2, 2.0),  # no more at once than the CPUs
        ("multiprocessing.Pool", 3, 20, 4, 20 / 7),  # 7 waves of at most 3
        ("ProcessPoolExecutor", 4, 3, 8, 3.0),  # fewer tasks than workers
    ],
)
def test_ideal_speedup_counts_waves_of_equal_tasks(strategy, workers, tasks, cpus, expected):
    assert ideal_speedup(strategy, workers, tasks, cpus) == pytest.approx(expected)


def test_ideal_speedup_of_threads_is_one_under_the_gil():
    expected = 1.0 if gil_enabled() else 2.0
    assert ideal_speedup("threads", 2, 20, 2) == expected


def test_table_adds_the_ideal_speed_up_given_tasks_and_cpus():
    results = [
        CpuResult("sequential", None, Timing((4.0,)), True),
        CpuResult("ProcessPoolExecutor", 2, Timing((2.5,)), True),
    ]
    lines = format_cpu_table(results, tasks=20, cpus=2).splitlines()
    assert lines[0].split()[-4:] == ["ideal", "of", "ideal", "correct"]
    assert lines[2].split()[-3:] == ["2.00", "0.80", "yes"]


def test_report_carries_speed_up_and_conditions():
    results = [
        CpuResult("sequential", None, Timing((4.0, 4.4, 3.6, 4.0)), True),
        CpuResult("ProcessPoolExecutor", 2, Timing((2.5, 2.0, 3.0, 2.5)), True),
    ]
    with RunConditions() as conditions:
        pass
    report = cpu_report(results, 20, 10_000_000, "spawn", conditions)
    assert report["rounds"] == 4
    assert report["load_average"] == conditions.load_average
    assert report["load_average_end"] == conditions.load_average_end
    sequential, pool = report["results"]
    assert sequential["iqr_s"] == pytest.approx(0.2)  # quartiles 3.9 and 4.1
    assert pool["speedup"] == pytest.approx(1.6)
    expected_ideal = 20 / math.ceil(20 / min(2, os.cpu_count() or 1))
    assert pool["ideal_speedup"] == pytest.approx(expected_ideal)
    assert pool["of_ideal"] == pytest.approx(1.6 / expected_ideal)


def test_cli_plot_writes_a_png(tmp_path):
    pytest.importorskip("helpers.measure.plots")
    path = tmp_path / "cpu.png"
    command = [sys.executable, "-m", "helpers.bench", "cpu", *SMALL_ARGS, "--plot", str(path)]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    assert path.read_bytes().startswith(b"\x89PNG")


def test_cli_exits_1_when_a_result_is_wrong(monkeypatch, capsys):
    broken = CpuStrategy("broken", lambda numbers, workers, context: [0] * len(numbers))
    monkeypatch.setattr(bench_cli, "CPU_STRATEGIES", (CPU_STRATEGIES[0], broken))
    assert main(["cpu", *SMALL_ARGS]) == 1
    assert "WRONG results from: broken" in capsys.readouterr().out


def test_harness_runs_the_strategies_in_rounds():
    calls = []

    def recorder(name):
        def run(numbers, workers, context):
            calls.append(name)
            return [sum_of_squares_closed(n) for n in numbers]

        return CpuStrategy(name, run, parallel=False)

    results = run_cpu_benchmark(SMALL, repeats=2, strategies=[recorder("a"), recorder("b")])
    assert calls == ["a", "b", "a", "b"]
    assert [len(r.timing.runs) for r in results] == [2, 2]


def test_cpu_strategy_finds_by_name_and_names_the_choices():
    assert cpu_strategy("threads").name == "threads"
    with pytest.raises(KeyError, match="no strategy named 'gpu'; there are 'sequential'"):
        cpu_strategy("gpu")


@pytest.mark.parametrize(
    ("items", "workers", "chunksize"),
    [(20, 2, 3), (20, 8, 1), (16, 2, 2), (0, 2, 0), (4000, 2, 500)],
)
def test_pool_map_chunksize_is_what_pool_map_uses(monkeypatch, items, workers, chunksize):
    from multiprocessing.pool import Pool, ThreadPool

    seen = []
    original = Pool._get_tasks

    def spy(func, iterable, size):
        seen.append(size)
        return original(func, iterable, size)

    monkeypatch.setattr(Pool, "_get_tasks", staticmethod(spy))
    with ThreadPool(workers) as pool:
        pool.map(abs, range(items))
    assert seen == [chunksize], "Pool.map asked _get_tasks for this chunksize, once"
    assert pool_map_chunksize(items, workers) == chunksize


def test_pool_map_chunksize_rejects_bad_input():
    with pytest.raises(ValueError, match="need items >= 0 and workers >= 1"):
        pool_map_chunksize(10, 0)


def test_worker_records_name_the_process():
    result, record = sum_of_squares_in_worker(100)
    assert result == sum_of_squares(100)
    assert record.name == f"process {os.getpid()}"


def test_record_pool_map_gives_one_row_per_worker():
    numbers = article_numbers(7, 20_000)
    records = record_pool_map(numbers, 2, multiprocessing.get_context(), chunksize=3)
    assert len(records) == 7
    assert {r.name for r in records} <= {"worker 1", "worker 2"}
    assert records[0].name == "worker 1"
    assert records[0].start <= records[-1].start


def test_workers_start_together_and_a_missing_one_only_delays():
    context = multiprocessing.get_context()
    barrier = context.Barrier(2)
    waiting = threading.Thread(target=start_together, args=(barrier,))
    waiting.start()
    start_together(barrier)  # the second party: both go on
    waiting.join(timeout=10)
    assert not waiting.is_alive()
    start_together(context.Barrier(2), timeout_s=0.05)  # nobody else comes: no hang, no error


def test_report_round_trips_to_results():
    results = run_cpu_benchmark(SMALL, repeats=2, workers=1, strategies=CPU_STRATEGIES[:1])
    report = json.loads(json.dumps(cpu_report(results, 4, 20_000, "fork")))
    assert results_from_report(report) == results
    with pytest.raises(ValueError, match="not a cpu benchmark report"):
        results_from_report({"benchmark": "io"})


def test_cli_times_only_the_strategies_asked_for(tmp_path):
    path = tmp_path / "cpu.json"
    command = [sys.executable, "-m", "helpers.bench", "cpu", *SMALL_ARGS, "--json", str(path)]
    command += ["--strategy", "sequential", "--strategy", "closed form"]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    rows = json.loads(path.read_text())["results"]
    assert [row["strategy"] for row in rows] == ["sequential", "closed form"]


def test_fork_waits_only_for_threads_that_ended_not_for_ones_that_live_on():
    # A Jupyter kernel always runs threads of its own: the wait before a fork must not wait for
    # them (it once took 2 s a run, and 200 runs of the closed form looked like a hang).
    release = threading.Event()
    resident = threading.Thread(target=release.wait, daemon=True)
    resident.start()
    try:
        started = time.perf_counter()
        (closed,) = run_cpu_benchmark(
            SMALL, repeats=50, strategies=[cpu_strategy("closed form")], start_method="fork"
        )
        assert closed.correct and time.perf_counter() - started < 10
    finally:
        release.set()
        resident.join()
