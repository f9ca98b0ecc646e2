"""Shared test settings: draw charts without a screen; every test must leave no process behind."""

import matplotlib
import pytest
from leftovers import leftover_processes

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def no_worker_left_behind():
    """Fail any test that leaves a child process running (applies to every test)."""
    yield
    assert leftover_processes() == []
