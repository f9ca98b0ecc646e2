"""Tests for helpers.measure.openfiles: raise the limit where allowed, cap connections where not."""

import subprocess
import sys

import pytest

from helpers.measure import openfiles
from helpers.measure.openfiles import cap_connections, connections_allowed, raise_open_file_limit

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="no RLIMIT_NOFILE on Windows")

# A child with a hard limit of 256, as in a container: opens as many sockets as it was allowed.
UNDER_A_HARD_LIMIT = """
import resource, socket
resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
from helpers.measure.openfiles import cap_connections, raise_open_file_limit
allowed = cap_connections(1000, "connections")
sockets = [socket.socket() for _ in range(allowed)]
print(raise_open_file_limit(), allowed, len(sockets))
"""


@posix_only
def test_raise_open_file_limit_reaches_the_hard_limit():
    import resource  # POSIX only

    assert raise_open_file_limit() == resource.getrlimit(resource.RLIMIT_NOFILE)[0]


@posix_only
def test_under_a_hard_limit_of_256_the_cap_fits_and_is_announced():
    completed = subprocess.run(
        [sys.executable, "-c", UNDER_A_HARD_LIMIT], capture_output=True, text=True, timeout=30
    )
    assert completed.returncode == 0, completed.stderr
    note, numbers = completed.stdout.splitlines()
    limit, allowed, opened = map(int, numbers.split())
    assert limit == 256 and 100 < allowed <= 256 - openfiles.RESERVE and opened == allowed
    assert note.startswith(f"note: connections capped at {allowed} instead of 1,000")


def test_no_cap_when_the_limit_is_high(monkeypatch, capsys):
    monkeypatch.setattr(openfiles, "raise_open_file_limit", lambda: 1_000_000)
    assert cap_connections(500, "connections") == 500
    assert capsys.readouterr().out == ""


def test_no_limit_on_windows_or_infinity(monkeypatch):
    for limit in (None, -1):
        monkeypatch.setattr(openfiles, "raise_open_file_limit", lambda limit=limit: limit)
        assert connections_allowed(10_000) == 10_000


def test_at_least_one_connection_and_bad_input(monkeypatch):
    monkeypatch.setattr(openfiles, "raise_open_file_limit", lambda: 10)
    assert connections_allowed(500) == 1
    with pytest.raises(ValueError, match="wanted must be at least 1, got 0"):
        connections_allowed(0)
