"""Shared test settings: draw charts without a screen; check that tests leave no process behind."""

import matplotlib
import psutil
import pytest

matplotlib.use("Agg")

# Processes multiprocessing keeps for the life of this process, by design.
SERVICES = (
    "multiprocessing.resource_tracker import main",
    "multiprocessing.forkserver import main",
)


def leftover_processes() -> list[psutil.Process]:
    """Child processes still running after a grace of 5 s, multiprocessing's services aside."""
    me = psutil.Process()
    services = {p for p in me.children() if any(s in " ".join(p.cmdline()) for s in SERVICES)}
    leftovers = [p for p in me.children(recursive=True) if p not in services]
    return psutil.wait_procs(leftovers, timeout=5)[1]


@pytest.fixture
def no_worker_left_behind():
    """Fail the test if it leaves a worker process running."""
    yield
    assert leftover_processes() == []
