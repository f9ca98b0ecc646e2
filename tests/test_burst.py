import subprocess
import sys

import pytest

from helpers.lessons.burst import TOO_MANY_OPEN_FILES, burst
from helpers.server.process import SlowServer

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX open-file limits")


def test_without_a_limit_a_low_open_file_limit_fails_requests():
    with SlowServer(latency=0.05) as server:
        unlimited = burst(server.url, 300, limit=0, open_files=64)
        limited = burst(server.url, 300, limit=20, open_files=64)
        gated = burst(server.url, 300, limit=0, semaphore=20, open_files=64)
    assert unlimited.get(TOO_MANY_OPEN_FILES, 0) > 0
    assert sum(unlimited.values()) == 300
    assert limited == {"ok": 300}
    assert gated == {"ok": 300}


def test_http_errors_are_counted_by_status():
    with SlowServer(error_rate=1.0, seed=3) as server:
        outcomes = burst(server.url, 20, limit=10)
    assert set(outcomes) <= {"HTTP 500", "HTTP 503"}
    assert sum(outcomes.values()) == 20


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--requests", "0"], "argument --requests: must be at least 1"),
        (["--open-files", "8"], "argument --open-files: must be at least 16"),
        (["--limit", "-1"], "argument --limit: must be at least 0"),
    ],
)
def test_cli_rejects_bad_arguments(args, message):
    command = [sys.executable, "-m", "helpers.lessons.burst", "http://127.0.0.1:9", *args]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=30)
    assert completed.returncode == 2
    assert message in completed.stderr


def test_a_failing_child_is_a_clear_error():
    with pytest.raises(RuntimeError, match="the burst failed"):
        burst("http://127.0.0.1:9", 1, limit=1, open_files=10)
