"""Tests for what counts as left behind (tests/leftovers.py), which conftest.py checks."""

import subprocess
import sys

import pytest
from leftovers import leftover_processes


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
