"""The course's Dask client on a real cluster by address, started with Dask's own commands."""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from distributed import Client

from helpers.cpu.cluster import dask_client
from helpers.cpu.workloads import sum_of_squares

DASK = str(Path(sys.executable).parent / "dask")
WORKERS = 2


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _scheduler_address(scheduler_file: Path, scheduler: subprocess.Popen) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert scheduler.poll() is None, "the scheduler exited; see scheduler.log"
        if scheduler_file.exists():
            try:
                return json.loads(scheduler_file.read_text())["address"]
            except (json.JSONDecodeError, KeyError):
                pass  # written but not complete yet
        time.sleep(0.2)
    raise TimeoutError("the scheduler wrote no address in 60 s")


@pytest.fixture
def cluster_address(tmp_path):
    """The address of a scheduler and two single-threaded workers, each its own process."""
    started: list[subprocess.Popen] = []

    def start(name: str, *arguments: str) -> subprocess.Popen:
        with (tmp_path / f"{name}.log").open("w") as log:  # the child keeps its own copy
            process = subprocess.Popen([DASK, *arguments], stdout=log, stderr=log, cwd=tmp_path)
        started.append(process)
        return process

    scheduler_file = tmp_path / "scheduler.json"
    try:
        # README: `dask scheduler` on one machine (port 0 here: the OS picks a free one) ...
        scheduler = start(
            "scheduler",
            *("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"),
            *("--scheduler-file", str(scheduler_file)),
        )
        address = _scheduler_address(scheduler_file, scheduler)
        # ... and `dask worker ADDRESS --nthreads 1` on each machine that runs work.
        for n in range(WORKERS):
            start(
                f"worker-{n}",
                *("worker", address, "--nthreads", "1", "--host", "127.0.0.1"),
                *("--no-dashboard", "--name", f"worker-{n}"),
            )
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(WORKERS, timeout=60)
        yield address
    finally:
        _stop(started[::-1])  # workers first, then the scheduler


@pytest.mark.timeout(300)
def test_the_course_maps_its_work_on_the_cluster_at_the_address(cluster_address, monkeypatch):
    # the README's last step: DASK_SCHEDULER_ADDRESS makes the notebook's dask_client() use it
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", cluster_address)
    numbers = [20_000 + n for n in range(20)]
    with dask_client() as client:
        assert client.gather(client.map(sum_of_squares, numbers)) == [
            sum(i * i for i in range(n)) for n in numbers
        ]
        executed = client.run(lambda dask_worker: dask_worker.state.executed_count)
    assert len(executed) == WORKERS, executed
    assert all(count > 0 for count in executed.values()), f"tasks run per worker: {executed}"
