import asyncio
import json
import math
import subprocess
import sys

import psutil
import pytest

from helpers.bench import io as bench_io
from helpers.bench.__main__ import main
from helpers.bench.io import (
    AIOHTTP_THREADS,
    ASYNCIO,
    IO_STRATEGIES,
    SEQUENTIAL,
    THREADED,
    IoResult,
    IoRun,
    IoStrategy,
    cpu_floor_s,
    floor_s,
    format_io_table,
    json_urls,
    requests_session,
    sequential_requests,
    time_io,
    wrong_bodies,
)
from helpers.measure import openfiles
from helpers.measure.timing import Timing
from helpers.server.process import SlowServer

SMALL_ARGS = ["--requests", "12", "--latency", "0.01", "--repeat", "1", "--threads", "4"]
SMALL_ARGS += ["--limit", "6", "--sequential", "3"]


@pytest.fixture(autouse=True)
def no_socket_left_open():
    yield
    assert psutil.Process().net_connections(kind="inet") == [], "sockets left open"


@pytest.fixture
def server():
    with SlowServer(latency=0.01) as running:
        yield running


@pytest.mark.parametrize("strategy", IO_STRATEGIES, ids=lambda s: s.name)
def test_each_strategy_returns_every_body_in_order(strategy, server):
    urls = json_urls(server.url, 25)
    bodies = strategy.download_many(urls, 5)
    assert len(bodies) == 25
    assert wrong_bodies(bodies) == 0


def test_asyncio_strategy_runs_inside_a_running_loop_as_in_jupyter(server):
    async def cell():
        return ASYNCIO.download_many(json_urls(server.url, 10), 3)

    assert wrong_bodies(asyncio.run(cell())) == 0


def test_errors_are_raised_not_returned_as_bodies():
    with SlowServer(error_rate=1.0, seed=1) as failing:
        urls = json_urls(failing.url, 3)
        for strategy in IO_STRATEGIES:
            with pytest.raises(Exception, match=r"50[03]"):
                strategy.download_many(urls, 2)


def test_wrong_bodies_counts_mismatches():
    good = [json.dumps({"id": n, "square": n * n}).encode() for n in range(3)]
    assert wrong_bodies(good) == 0
    assert wrong_bodies([good[1], good[1], b"not json"]) == 2


def test_time_io_times_each_run_in_rounds(server):
    runs = [IoRun(SEQUENTIAL, 3), IoRun(THREADED, 8, 4), IoRun(ASYNCIO, 8, 4)]
    results = time_io(runs, server.url, repeats=2)
    assert [r.run for r in results] == runs
    assert all(len(r.timing.runs) == 2 and r.correct for r in results)
    assert [r.run.label for r in results] == ["sequential", "threads (4)", "asyncio (limit 4)"]


def test_time_io_flags_wrong_bodies(server):
    liar = IoStrategy("liar", lambda urls, concurrency: [b"{}"] * len(urls), "liar")
    (result,) = time_io([IoRun(liar, 3)], server.url, repeats=1)
    assert not result.correct


def test_time_io_names_the_failing_run(server):
    def broken(urls, concurrency):
        raise OSError("no route")

    with pytest.raises(
        RuntimeError, match="broken, 3 requests raised OSError on run 1 of 1: no route"
    ):
        time_io([IoRun(IoStrategy("broken", broken, "broken"), 3)], server.url, repeats=1)


@pytest.mark.parametrize(
    ("runs", "repeats", "message"),
    [
        ([IoRun(THREADED, 0, 4)], 1, "threads \\(4\\): requests and concurrency"),
        ([IoRun(ASYNCIO, 5, 0)], 1, "requests and concurrency must be at least 1"),
        ([IoRun(SEQUENTIAL, 5)], 0, "repeats must be at least 1, got 0"),
    ],
)
def test_time_io_rejects_bad_input(runs, repeats, message):
    with pytest.raises(ValueError, match=message):
        time_io(runs, "http://127.0.0.1:9", repeats)


def test_sequential_gets_about_two_seconds_of_requests():
    assert sequential_requests(1_000, 0.1) == 20
    assert sequential_requests(10, 0.1) == 10
    assert sequential_requests(10_000, 0.0) == 1_000
    assert sequential_requests(5, 5.0) == 1


def test_table_shows_throughput_speed_up_cpu_and_floor():
    results = [
        IoResult(IoRun(SEQUENTIAL, 10), Timing((1.0,)), True, (0.01,), (0.02,), 0.1),
        IoResult(IoRun(ASYNCIO, 1_000, 500), Timing((0.5, 0.4, 0.6)), True, (0.3,), (0.1,), 0.1),
    ]
    lines = format_io_table(results).splitlines()
    assert lines[0].split() == [
        "strategy", "requests", "median", "s", "min", "s", "max", "s",
        "requests/s", "speed-up", "CPU", "ms/req", "floor", "s", "x", "floor", "correct",
    ]  # fmt: skip
    assert lines[1].split() == [
        "sequential", "10", "1.000", "1.000", "1.000", "10", "1.0", "2.000", "1.000", "1.00", "yes",
    ]  # fmt: skip
    assert lines[2].split() == [
        "asyncio", "(limit", "500)", "1,000", "0.500", "0.400", "0.600", "2,000", "200.0",
        "0.300", "0.300", "1.67", "yes",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("requests", "concurrency", "latency", "cpu_s", "expected"),
    [
        (1_000, 100, 0.1, 0.0, 1.0),  # ten waves of waiting
        (1_000, 500, 0.1, 0.0, 0.2),
        (1_001, 500, 0.1, 0.0, 0.3),  # a last, partial wave waits a whole latency
        (1_000, 1_000, 0.1, 0.6, 0.6),  # the CPU work is longer than one wait
        (10, 1, 0.1, 0.01, 1.0),
    ],
)
def test_floor_is_the_waits_or_the_cpu_work(requests, concurrency, latency, cpu_s, expected):
    assert floor_s(requests, concurrency, latency, cpu_s) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("client", "server", "threads", "cpus", "expected"),
    [
        (0.6, 0.2, 1, 2, 0.6),  # one client thread: its CPU time, on one CPU
        (0.6, 0.2, 10, 2, 0.4),  # ten threads on two CPUs, beside the server: (0.6 + 0.2) / 2
        (0.2, 0.5, 10, 2, 0.5),  # the server's one thread
        (0.8, 0.0, 10, 4, 0.2),  # the client alone on four CPUs
        (0.8, 0.0, 2, 4, 0.4),  # two threads use two of the four CPUs
        (0.6, 0.2, 10, 1, 0.8),  # one CPU runs everything in turn
    ],
)
def test_cpu_floor_spreads_each_side_over_the_cpus_it_can_use(
    client, server, threads, cpus, expected
):
    assert cpu_floor_s(client, server, threads, cpus) == pytest.approx(expected)


def test_result_floor_is_the_median_of_each_round_cpu_floor():
    result = IoResult(
        IoRun(THREADED, 100, 10),
        Timing((2.0, 1.0, 1.5)),
        True,
        (0.2, 1.4, 0.3),
        (0.5, 0.1, 1.2),
        cpus=2,
    )
    assert result.cpu_s == pytest.approx(1.2)  # busier per round: 0.5, 1.4, 1.2
    assert result.cpu_per_request_s == pytest.approx(0.012)
    assert result.client_cpu_per_request_s == pytest.approx(0.003)  # this process: 0.3 of 0.2-1.4
    assert result.latency_floor_s == 0.0  # no server given: latency unknown
    assert result.cpu_floor_s == pytest.approx(0.75)  # rounds: 0.5, (1.4 + 0.1) / 2, 1.2
    assert result.floor_s == pytest.approx(0.75)
    assert result.floor_ratio == pytest.approx(1.5 / 0.75)


def test_one_loop_client_computes_on_one_cpu():
    result = IoResult(IoRun(ASYNCIO, 100, 10), Timing((1.0,)), True, (0.9,), (0.3,), cpus=8)
    assert result.cpu_floor_s == pytest.approx(0.9)


def test_time_io_measures_cpu_and_floor_given_the_server(server):
    runs = [IoRun(ASYNCIO, 20, 5), IoRun(AIOHTTP_THREADS, 20, 5)]
    results = time_io(runs, server.url, repeats=2, server=server)
    for result in results:
        assert len(result.client_cpu_s) == len(result.server_cpu_s) == 2
        assert all(cpu > 0 for cpu in result.client_cpu_s)
        assert result.latency == 0.01
        assert result.latency_floor_s == pytest.approx(0.04)  # 4 waves of 5
        assert result.floor_s >= result.latency_floor_s
        # a floor is a bound: the median can approach it but not beat it by much
        assert result.floor_ratio > 0.8


def test_aiohttp_threads_keep_one_connection_per_thread(server):
    before = psutil.Process().num_threads()
    bodies = AIOHTTP_THREADS.download_many(json_urls(server.url, 30), 4)
    assert wrong_bodies(bodies) == 0 and len(bodies) == 30
    with SlowServer() as counting:
        AIOHTTP_THREADS.download_many(json_urls(counting.url, 30), 4)
        stats = json.loads(requests_session().get(f"{counting.url}/stats").content)
    assert stats["requests"] == 30
    assert stats["max_in_flight"] <= 4
    assert psutil.Process().num_threads() <= before + 1  # the pool's threads are gone


def test_cli_writes_json_with_the_documented_schema(tmp_path):
    path = tmp_path / "io.json"
    command = [sys.executable, "-m", "helpers.bench", "io", *SMALL_ARGS, "--json", str(path)]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert "every body is right" in completed.stdout
    report = json.loads(path.read_text())
    assert {
        "benchmark", "requests", "latency_s", "cpu_count", "results", "rounds", "load_average",
        "load_average_end", "other_cpus", "steal_cpus", "busy", "busy_reason", "command",
        "open_files",
    } <= set(report)  # fmt: skip
    assert (report["benchmark"], report["requests"], report["latency_s"]) == ("io", 12, 0.01)
    assert isinstance(report["cpu_count"], int)
    assert report["rounds"] == 1
    assert isinstance(report["busy"], bool)
    assert (report["busy_reason"] is None) == (not report["busy"])
    assert ("WARNING: the machine was busy" in completed.stdout) == report["busy"]
    assert report["command"].startswith("python -m helpers.bench io --requests 12 --latency 0.01")
    labels = [row["strategy"] for row in report["results"]]
    assert labels == ["sequential", "threads (4)", "asyncio (limit 6)", "aiohttp on threads (4)"]
    assert [row["requests"] for row in report["results"]] == [3, 12, 12, 12]
    for row in report["results"]:
        assert {
            "strategy", "requests", "concurrency", "median_s", "iqr_s", "runs_s", "client_cpu_s",
            "server_cpu_s", "latency_floor_s", "floor_s", "floor_ratio", "correct",
        } <= set(row)  # fmt: skip
        assert isinstance(row["median_s"], float)
        assert len(row["runs_s"]) == 1 and isinstance(row["runs_s"][0], float)
        assert row["iqr_s"] == 0.0
        waves = math.ceil(row["requests"] / row["concurrency"])
        assert row["latency_floor_s"] == pytest.approx(0.01 * waves)
        cpu = cpu_floor_s(
            row["client_cpu_s"], row["server_cpu_s"], row["client_threads"], row["cpus"]
        )
        assert row["cpu_floor_s"] == pytest.approx(cpu)
        assert row["client_threads"] == (1 if "asyncio" in row["strategy"] else row["concurrency"])
        assert row["floor_s"] == pytest.approx(max(0.01 * waves, cpu))
        assert row["floor_ratio"] == pytest.approx(row["median_s"] / row["floor_s"])
    table = completed.stdout
    assert "floor s" in table and "x floor" in table


def test_cli_can_skip_aiohttp_on_threads(tmp_path):
    path = tmp_path / "io.json"
    assert main(["io", *SMALL_ARGS, "--no-aiohttp-threads", "--json", str(path)]) == 0
    report = json.loads(path.read_text())
    assert [row["strategy"] for row in report["results"]][-1] == "asyncio (limit 6)"
    assert report["command"].endswith("--no-aiohttp-threads")


def test_cli_plot_writes_a_png_and_leaves_no_server(tmp_path, capsys):
    path = tmp_path / "io.png"
    assert main(["io", *SMALL_ARGS, "--sequential", "0", "--plot", str(path)]) == 0
    assert path.read_bytes().startswith(b"\x89PNG")
    out = capsys.readouterr().out
    assert "threads (4)" in out and "sequential " not in out


def test_cli_lowers_the_limit_to_fit_the_open_files(monkeypatch, capsys):
    monkeypatch.setattr(openfiles, "raise_open_file_limit", lambda: 100)
    monkeypatch.setattr(openfiles, "RESERVE", 100 - psutil.Process().num_fds() - 36)
    assert main(["io", *SMALL_ARGS[:-4], "--limit", "500", "--sequential", "0"]) == 0
    captured = capsys.readouterr()
    assert "note: --limit capped at 36 instead of 500" in captured.err
    assert "asyncio (limit 36)" in captured.out


def test_cli_exits_1_when_a_body_is_wrong(monkeypatch, capsys):
    liar = IoStrategy("threads", lambda urls, concurrency: [b"{}"] * len(urls), "threads ({})")
    monkeypatch.setattr(bench_io, "THREADED", liar)
    assert main(["io", *SMALL_ARGS]) == 1
    assert "WRONG bodies from: threads (4)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--requests", "0"], "argument --requests: must be at least 1, got 0"),
        (["--requests", "ten"], "argument --requests: must be an integer, got 'ten'"),
        (["--latency", "-0.1"], "argument --latency: must be at least 0.0, got -0.1"),
        (["--latency", "slow"], "argument --latency: must be a number, got 'slow'"),
        (["--latency", "nan"], "argument --latency: must be at least 0.0, got nan"),
        (["--threads", "0"], "argument --threads: must be at least 1, got 0"),
        (["--limit", "0"], "argument --limit: must be at least 1, got 0"),
        (["--repeat", "0"], "argument --repeat: must be at least 1, got 0"),
        (["--sequential", "-1"], "argument --sequential: must be at least 0, got -1"),
    ],
)
def test_cli_rejects_bad_arguments_at_once(args, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["io", *args])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_cli_fits_aiohttp_threads_and_their_loops_in_the_open_files(monkeypatch, capsys):
    monkeypatch.setattr(openfiles, "raise_open_file_limit", lambda: 100)
    monkeypatch.setattr(openfiles, "RESERVE", 100 - psutil.Process().num_fds() - 36)
    args = ["io", "--requests", "12", "--latency", "0.01", "--repeat", "1", "--threads", "20"]
    assert main([*args, "--limit", "6", "--sequential", "0"]) == 0
    captured = capsys.readouterr()
    assert "note: --threads' files (4 each) capped at 36 instead of 80" in captured.err
    assert "threads (9)" in captured.out and "aiohttp on threads (9)" in captured.out
