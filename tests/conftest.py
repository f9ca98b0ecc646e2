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


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--failed-file",
        help="write the ids of the tests that failed here, one per line (make test reruns them)",
    )


_failed: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Note a failed test (in its set-up, call or tear-down), once."""
    if report.failed and report.nodeid not in _failed:
        _failed.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Write the failed tests' ids where --failed-file says (under xdist: in the controller)."""
    path = session.config.getoption("--failed-file")
    if path and not hasattr(session.config, "workerinput"):
        with open(path, "w", encoding="utf-8") as out:
            out.writelines(f"{nodeid}\n" for nodeid in _failed)
