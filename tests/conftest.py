"""Shared test settings: draw charts without a screen; every test must leave no process behind."""

import matplotlib
import psutil
import pytest

matplotlib.use("Agg")

# Processes multiprocessing keeps for the life of this process, by design.
SERVICES = (
    "multiprocessing.resource_tracker import main",
    "multiprocessing.forkserver import main",
)


def leftover_processes(grace: float = 5.0) -> list[psutil.Process]:
    """Child processes still running after grace seconds, multiprocessing's services aside."""
    me = psutil.Process()
    services = {p for p in me.children() if any(s in " ".join(p.cmdline()) for s in SERVICES)}
    leftovers = [p for p in me.children(recursive=True) if p not in services]
    return psutil.wait_procs(leftovers, timeout=grace)[1]


@pytest.fixture(autouse=True)
def no_worker_left_behind():
    """Fail any test that leaves a child process running (applies to every test)."""
    yield
    assert leftover_processes() == []
