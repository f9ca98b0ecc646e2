"""Tests for helpers.measure.openfiles: raise the soft open-file limit where allowed."""

import subprocess
import sys

import pytest

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="no RLIMIT_NOFILE on Windows")

# A child with a soft limit of 256 under a hard one of 512, then one under a hard limit of 256.
RAISED = """
import resource
resource.setrlimit(resource.RLIMIT_NOFILE, (256, {hard}))
from helpers.measure.openfiles import raise_open_file_limit
print(raise_open_file_limit(), resource.getrlimit(resource.RLIMIT_NOFILE)[0])
"""


@posix_only
@pytest.mark.parametrize(("hard", "expected"), [(512, "512 512"), (256, "256 256")])
def test_raise_open_file_limit_reaches_the_hard_limit_and_no_further(hard, expected):
    completed = subprocess.run(
        [sys.executable, "-c", RAISED.format(hard=hard)], capture_output=True, text=True, timeout=30
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split() == expected.split()
