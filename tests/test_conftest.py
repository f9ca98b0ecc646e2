"""Tests for the shared test settings in conftest.py."""

import subprocess
import sys

import pytest
from conftest import leftover_processes


def test_every_test_checks_for_leftover_processes(request):
    assert "no_worker_left_behind" in request.fixturenames


def test_a_running_child_is_a_leftover():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert [p.pid for p in leftover_processes(grace=0.1)] == [child.pid]
    finally:
        child.kill()
        child.wait()
    assert leftover_processes() == []


@pytest.mark.parametrize("code", ["pass", "import sys; sys.exit(3)"])
def test_a_child_that_has_exited_is_not_a_leftover(code):
    subprocess.run([sys.executable, "-c", code], check=False)
    assert leftover_processes() == []
