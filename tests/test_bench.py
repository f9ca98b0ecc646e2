import asyncio
import json
import multiprocessing
import subprocess
import sys

import psutil
import pytest

from helpers import bench
from helpers.bench import (
    CPU_STRATEGIES,
    CpuResult,
    CpuStrategy,
    format_cpu_table,
    main,
    run_asyncio,
    run_cpu_benchmark,
)
from helpers.timing import Timing
from helpers.workloads import article_numbers, sum_of_squares_closed

SMALL = article_numbers(4, 20_000)
EXPECTED = [sum_of_squares_closed(n) for n in SMALL]
SMALL_ARGS = ["--numbers", "4", "--start", "20000", "--repeat", "1", "--workers", "2"]
START_METHODS = [
    method
    for method in ("spawn", "forkserver", "fork")
    if method in multiprocessing.get_all_start_methods()
    and (method != "fork" or sys.platform == "linux")
]
# Processes multiprocessing keeps for the life of this process, by design.
SERVICES = (
    "multiprocessing.resource_tracker import main",
    "multiprocessing.forkserver import main",
)


def _leftover_processes() -> list[psutil.Process]:
    me = psutil.Process()
    services = {p for p in me.children() if any(s in " ".join(p.cmdline()) for s in SERVICES)}
    leftovers = [p for p in me.children(recursive=True) if p not in services]
    return psutil.wait_procs(leftovers, timeout=5)[1]


@pytest.fixture(autouse=True)
def no_worker_left_behind():
    yield
    assert _leftover_processes() == []


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
    command += ["--start-method", "fork"]
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
        "benchmark", "cpu_count", "numbers", "start", "start_method", "correct", "results"
    }  # fmt: skip
    assert report["benchmark"] == "cpu"
    assert isinstance(report["cpu_count"], int)
    assert (report["numbers"], report["start"]) == (4, 20_000)
    assert (report["start_method"], report["correct"]) == ("spawn", True)
    assert [r["strategy"] for r in report["results"]] == [s.name for s in CPU_STRATEGIES]
    for row in report["results"]:
        assert set(row) == {"strategy", "workers", "median_s", "runs_s"}
        assert row["workers"] in (None, 2)
        assert isinstance(row["median_s"], float)
        assert len(row["runs_s"]) == 1 and isinstance(row["runs_s"][0], float)


def test_cli_plot_writes_a_png(tmp_path):
    pytest.importorskip("helpers.plots")
    path = tmp_path / "cpu.png"
    command = [sys.executable, "-m", "helpers.bench", "cpu", *SMALL_ARGS, "--plot", str(path)]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    assert path.read_bytes().startswith(b"\x89PNG")


def test_cli_exits_1_when_a_result_is_wrong(monkeypatch, capsys):
    broken = CpuStrategy("broken", lambda numbers, workers, context: [0] * len(numbers))
    monkeypatch.setattr(bench, "CPU_STRATEGIES", (CPU_STRATEGIES[0], broken))
    assert main(["cpu", *SMALL_ARGS]) == 1
    assert "WRONG results from: broken" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--numbers", "0"], "argument --numbers: must be at least 1, got 0"),
        (["--start", "-1"], "argument --start: must be at least 0, got -1"),
        (["--workers", "0"], "argument --workers: must be at least 1, got 0"),
        (["--repeat", "0"], "argument --repeat: must be at least 1, got 0"),
        (["--repeat", "two"], "argument --repeat: must be an integer, got 'two'"),
        (["--start-method", "thread"], "argument --start-method: invalid choice"),
    ],
)
def test_cli_rejects_bad_arguments_at_once(args, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["cpu", *args])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
