import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "setsid"), reason="no sessions on this system")

SHOW = (
    "import os; print(os.nice(0), os.getsid(0) == os.getpid(), "
    "getattr(os, 'SCHED_IDLE', None) in (None, os.sched_getscheduler(0)))"
)


def test_the_command_runs_alone_in_its_own_session_at_nice_19():
    out = subprocess.run(
        [sys.executable, "-m", "tools.lowest_priority", sys.executable, "-c", SHOW],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == ["19", "True", "True"]


def test_the_exit_status_is_the_commands():
    command = [sys.executable, "-m", "tools.lowest_priority", sys.executable, "-c", "exit(3)"]
    assert subprocess.run(command).returncode == 3


def test_a_descendant_in_a_session_of_its_own_is_niced_with_its_group():
    script = (
        "import os, subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(2)'],"
        " start_new_session=True)\n"
        "time.sleep(0.5)\n"
        "print(open(f'/proc/{child.pid}/autogroup').read().split()[-1])\n"
        "child.kill()\n"
    )
    if not os.path.exists("/proc/self/autogroup"):
        pytest.skip("no autogroups here")
    out = subprocess.run(
        [sys.executable, "-m", "tools.lowest_priority", sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == ["19"]
