import asyncio
import gc
import json
import math
import subprocess
import sys
import time

import psutil
import pytest

import helpers.bench.__main__ as bench_cli
from helpers.bench.__main__ import main, sequential_requests
from helpers.bench.io import (
    AIOHTTP,
    HTTPX_ASYNC,
    HTTPX_THREADS,
    IO_STRATEGIES,
    REQUESTS_THREADS,
    SEQUENTIAL,
    Clocks,
    IoResult,
    IoRun,
    IoStrategy,
    Phases,
    cpu_floor_s,
    floor_s,
    format_io_table,
    json_urls,
    process_cpu_s,
    time_io,
    wrong_bodies,
)
from helpers.lessons.downloads import requests_session
from helpers.server.process import SlowServer

SOCKETS_CLOSE_S = 2.0  # how long a test's sockets may take to close once it has ended
SMALL_ARGS = ["--requests", "12", "--latency", "0.01", "--repeat", "1", "--concurrency", "4"]
SMALL_ARGS += ["--sequential", "3"]


@pytest.fixture(autouse=True)
def no_socket_left_open():
    yield
    deadline = time.monotonic() + SOCKETS_CLOSE_S  # a transport closes at its loop's next step
    while (
        sockets := psutil.Process().net_connections(kind="inet")
    ) and time.monotonic() < deadline:
        gc.collect()
        time.sleep(0.05)
    assert sockets == [], "sockets left open"


@pytest.fixture
def server():
    with SlowServer(latency=0.01) as running:
        yield running


def stats(url: str) -> dict:
    with requests_session() as session:
        return json.loads(session.get(f"{url}/stats").content)


@pytest.mark.parametrize("strategy", IO_STRATEGIES, ids=lambda s: s.name)
def test_each_strategy_warms_up_then_returns_every_body_in_order(strategy):
    calls = []
    with SlowServer(latency=0.01) as counting:
        urls = json_urls(counting.url, 25)
        bodies = strategy.run(urls, 5, lambda: calls.append(stats(counting.url)["requests"]))
        after = stats(counting.url)
    assert len(bodies) == 25 and wrong_bodies(bodies) == 0
    workers = 1 if strategy is SEQUENTIAL else 5
    assert calls == [workers], "ready() comes once, after one request per worker"
    assert after["requests"] == 25 + workers
    assert after["connections"] == workers, "one connection per worker, opened in the warm-up"
    assert after["max_in_flight"] <= workers


def test_async_strategies_run_inside_a_running_loop_as_in_jupyter(server):
    async def cell():
        return [s.run(json_urls(server.url, 10), 3, lambda: None) for s in (HTTPX_ASYNC, AIOHTTP)]

    assert [wrong_bodies(bodies) for bodies in asyncio.run(cell())] == [0, 0]


def test_errors_are_raised_not_returned_as_bodies():
    with SlowServer(error_rate=1.0, seed=1) as failing:
        urls = json_urls(failing.url, 3)
        for strategy in IO_STRATEGIES:
            with pytest.raises(Exception, match=r"50[03]"):
                strategy.run(urls, 2, lambda: None)


def test_wrong_bodies_counts_mismatches():
    good = [json.dumps({"id": n, "square": n * n}).encode() for n in range(3)]
    assert wrong_bodies(good) == 0
    assert wrong_bodies([good[1], good[1], b"not json"]) == 2


def test_time_io_times_set_up_and_steady_state_in_rounds(server):
    runs = [IoRun(SEQUENTIAL, 3), IoRun(HTTPX_THREADS, 8, 4), IoRun(AIOHTTP, 8, 4)]
    results = time_io(runs, server.url, repeats=2, server=server)
    assert [r.run for r in results] == runs
    assert [r.run.label for r in results] == [
        "sequential", "httpx, 4 threads", "aiohttp asyncio, limit 4",
    ]  # fmt: skip
    for result in results:
        assert len(result.rounds) == 2 and result.correct
        for phases in result.rounds:
            assert phases.setup.wall > 0.01 and phases.steady.wall > 0.01  # a wait in each
            assert phases.steady.client_cpu > 0 and phases.steady.server_cpu > 0
        assert result.latency == 0.01
        assert result.floor_ratio > 1.0  # a floor is a bound: no run beats it


def test_time_io_flags_wrong_bodies(server):
    def liar(urls, concurrency, ready):
        ready()
        return [b"{}"] * len(urls)

    (result,) = time_io([IoRun(IoStrategy("liar", liar, "liar"), 3)], server.url, repeats=1)
    assert not result.correct


def test_time_io_refuses_a_strategy_that_never_says_ready(server):
    never = IoStrategy("never", lambda urls, concurrency, ready: [b""] * len(urls), "never")
    with pytest.raises(RuntimeError, match="never called ready\\(\\) 0 times, not once"):
        time_io([IoRun(never, 3)], server.url, repeats=1)


def test_time_io_names_the_failing_run(server):
    def broken(urls, concurrency, ready):
        raise OSError("no route")

    with pytest.raises(
        RuntimeError, match="broken, 3 requests raised OSError on run 1 of 1: no route"
    ):
        time_io([IoRun(IoStrategy("broken", broken, "broken"), 3)], server.url, repeats=1)


@pytest.mark.parametrize(
    ("runs", "repeats", "message"),
    [
        ([IoRun(HTTPX_THREADS, 0, 4)], 1, "httpx, 4 threads: requests and concurrency"),
        ([IoRun(AIOHTTP, 5, 0)], 1, "requests and concurrency must be at least 1"),
        ([IoRun(SEQUENTIAL, 5)], 0, "repeats must be at least 1, got 0"),
        ([IoRun(SEQUENTIAL, 5), IoRun(SEQUENTIAL, 5)], 1, "each run may appear once"),
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


def phases(wall, client, server, switches=0, setup=(0.1, 0.05)):
    return Phases(Clocks(setup[0], setup[1], 0.0, 0), Clocks(wall, client, server, switches))


def test_table_shows_steady_state_cost_set_up_and_floor():
    results = [
        IoResult(IoRun(SEQUENTIAL, 10), (phases(1.0, 0.01, 0.02, 20),), True, 0.1),
        IoResult(
            IoRun(AIOHTTP, 1_000, 500),
            tuple(phases(w, 0.3, 0.1, 500) for w in (0.5, 0.4, 0.6)),
            True,
            0.1,
        ),
    ]
    lines = format_io_table(results).splitlines()
    assert "client ms/req" in lines[0] and "set-up ms/worker" in lines[0] and "x floor" in lines[0]
    assert lines[1].split() == [
        "sequential", "(waits)", "10", "1.000", "1.000", "1.000", "10", "1.000", "0.01", "2.0",
        "50.00", "1.000", "1.00", "yes",
    ]  # fmt: skip
    assert lines[2].split()[4:] == [
        "(own", "CPU)", "1,000", "0.500", "0.400", "0.600", "2,000", "0.300", "0.60", "0.5",
        "0.10", "0.300", "1.67", "yes",
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


def test_result_reports_steady_state_and_set_up_apart():
    rounds = tuple(
        Phases(Clocks(0.3, setup_cpu, 0.0, 0), Clocks(wall, client, server, switches))
        for setup_cpu, wall, client, server, switches in [
            (0.02, 2.0, 0.2, 0.5, 300),
            (0.04, 1.0, 1.4, 0.1, 100),
            (0.03, 1.5, 0.3, 1.2, 200),
        ]
    )
    result = IoResult(IoRun(REQUESTS_THREADS, 100, 10), rounds, True, cpus=2)
    assert result.timing.median == 1.5
    assert result.client_cpu_per_request_s == pytest.approx(0.003)  # 0.3 of 0.2, 1.4, 0.3
    assert result.server_cpu_per_request_s == pytest.approx(0.005)
    assert result.switches_per_request == 2.0
    assert result.client_cpus_busy == pytest.approx(0.2)  # 0.1, 1.4, 0.2
    assert result.setup_s == 0.3
    assert result.setup_cpu_per_worker_s == pytest.approx(0.003)  # 0.03 for 10 workers
    assert result.latency_floor_s == 0.0  # no server given: latency unknown
    assert result.cpu_floor_s == pytest.approx(0.75)  # rounds: 0.5, (1.4 + 0.1) / 2, 1.2
    assert (result.floor_s, result.floor_kind) == (pytest.approx(0.75), "own CPU")
    assert result.floor_ratio == pytest.approx(1.5 / 0.75)


def test_one_loop_client_computes_on_one_cpu():
    result = IoResult(IoRun(AIOHTTP, 100, 10), (phases(1.0, 0.9, 0.3),), True, 0.001, cpus=8)
    assert result.cpu_floor_s == pytest.approx(0.9)
    assert result.floor_kind == "own CPU"


def test_process_cpu_s_reads_this_process():
    import time

    before, cpu = process_cpu_s(psutil.Process().pid), time.process_time()
    sum(i * i for i in range(300_000))
    spent = process_cpu_s(psutil.Process().pid) - before
    assert spent == pytest.approx(time.process_time() - cpu, abs=0.02)


def test_cli_writes_json_with_the_documented_schema(tmp_path):
    path = tmp_path / "io.json"
    command = [sys.executable, "-m", "helpers.bench", "io", *SMALL_ARGS, "--json", str(path)]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert "every body is right" in completed.stdout
    assert "3.0 per worker, fewer than 10" in completed.stdout  # 12 requests at 4 in flight
    report = json.loads(path.read_text())
    assert {
        "benchmark", "requests", "cpu_count", "results", "rounds", "load_average",
        "load_average_end", "other_cpus", "steal_cpus", "busy", "busy_reason", "command",
        "open_files",
    } <= set(report)  # fmt: skip
    assert (report["benchmark"], report["requests"], report["rounds"]) == ("io", 12, 1)
    assert isinstance(report["busy"], bool)
    assert (report["busy_reason"] is None) == (not report["busy"])
    assert ("WARNING: the machine was busy" in completed.stdout) == report["busy"]
    assert report["command"] == (
        "python -m helpers.bench io --requests 12 --latency 0.01 --concurrency 4 --repeat 1 "
        "--sequential 3"
    )
    labels = [row["strategy"] for row in report["results"]]
    assert labels == [
        "sequential", "requests, 4 threads", "httpx, 4 threads", "httpx asyncio, 4 tasks",
        "aiohttp asyncio, limit 4",
    ]  # fmt: skip
    assert [row["requests"] for row in report["results"]] == [3, 12, 12, 12, 12]
    for row in report["results"]:
        assert {
            "strategy", "model", "requests", "concurrency", "latency_s", "median_s", "iqr_s",
            "runs_s", "setup_s", "setup_cpu_per_worker_s", "client_cpu_per_request_s",
            "server_cpu_per_request_s", "client_cpus_busy", "switches_per_request",
            "latency_floor_s", "cpu_floor_s", "floor_s", "floor_kind", "floor_ratio", "correct",
        } <= set(row)  # fmt: skip
        assert len(row["runs_s"]) == 1 and row["iqr_s"] == 0.0
        waves = math.ceil(row["requests"] / row["concurrency"])
        assert row["latency_floor_s"] == pytest.approx(0.01 * waves)
        cpu = cpu_floor_s(
            row["client_cpu_s"], row["server_cpu_s"], row["client_threads"], row["cpus"]
        )
        assert row["cpu_floor_s"] == pytest.approx(cpu)
        assert row["client_threads"] == (row["concurrency"] if "threads" in row["model"] else 1)
        assert row["floor_s"] == pytest.approx(max(0.01 * waves, cpu))
        assert row["floor_ratio"] == pytest.approx(row["median_s"] / row["floor_s"])
        assert row["floor_ratio"] > 1.0
    assert "floor s" in completed.stdout and "x floor" in completed.stdout


def test_cli_runs_a_grid_of_latencies_and_concurrencies_for_chosen_models(tmp_path):
    path = tmp_path / "io.json"
    args = ["io", "--requests", "8", "--latency", "0.005,0.01", "--concurrency", "2,4"]
    args += ["--repeat", "1", "--model", "aiohttp asyncio", "--sequential", "0"]
    assert main([*args, "--json", str(path)]) == 0
    report = json.loads(path.read_text())
    cells = [(row["latency_s"], row["concurrency"]) for row in report["results"]]
    assert cells == [(0.005, 2), (0.005, 4), (0.01, 2), (0.01, 4)]
    assert report["command"].endswith("--model 'aiohttp asyncio'")


def test_cli_plot_writes_a_png_and_leaves_no_server(tmp_path, capsys):
    path = tmp_path / "io.png"
    args = [*SMALL_ARGS[:-2], "--sequential", "0", "--model", "httpx threads"]
    assert main(["io", *args, "--plot", str(path)]) == 0
    assert path.read_bytes().startswith(b"\x89PNG")
    assert "httpx, 4 threads" in capsys.readouterr().out


def test_cli_refuses_a_concurrency_beyond_the_open_files(monkeypatch, capsys):
    monkeypatch.setattr(bench_cli, "raise_open_file_limit", lambda: 256)
    assert main(["io", *SMALL_ARGS[:-4], "--concurrency", "500"]) == 2
    assert "--concurrency 500 needs about 564 open files" in capsys.readouterr().err


def test_cli_exits_1_when_a_body_is_wrong(monkeypatch, capsys):
    def liar(urls, concurrency, ready):
        ready()
        return [b"{}"] * len(urls)

    monkeypatch.setitem(bench_cli.MODELS, "aiohttp asyncio", IoStrategy("x", liar, "liar {}"))
    args = [*SMALL_ARGS[:-2], "--sequential", "0", "--model", "aiohttp asyncio"]
    assert main(["io", *args]) == 1
    assert "WRONG bodies from: liar 4" in capsys.readouterr().out
