"""What changes in Python 3.14, simulated on older Pythons where it can be.

- forkserver becomes Linux's default start method: every pool the course starts without naming a
  start method must work under it (a function defined in a notebook would not).
- asyncio.get_event_loop() raises RuntimeError when no loop is running or set: the course's code
  never relies on it outside the scripts that show the article's way (02-coroutines).
"""

import ast
import multiprocessing
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FORKSERVER_BY_DEFAULT = """
import multiprocessing, sys
multiprocessing.set_start_method("forkserver")  # Linux's default from Python 3.14
from helpers.bench.__main__ import main
sys.exit(main(["cpu", "--numbers", "3", "--start", "20000", "--repeat", "1", "--workers", "2"]))
"""


@pytest.mark.skipif(
    "forkserver" not in multiprocessing.get_all_start_methods(), reason="no forkserver here"
)
def test_the_benchmark_runs_when_forkserver_is_the_default():
    completed = subprocess.run(
        [sys.executable, "-c", FORKSERVER_BY_DEFAULT],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert completed.returncode == 0, completed.stderr
    assert "start method forkserver" in completed.stdout
    assert "every result is exact" in completed.stdout


def calls_to(name: str, path: Path) -> list[int]:
    """Line numbers where the file at path calls something named name."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "attr", getattr(node.func, "id", None)) == name
    ]


def test_nothing_relies_on_get_event_loop_outside_the_article_demos():
    sources = [*ROOT.glob("helpers/**/*.py"), *ROOT.glob("tools/*.py")]
    assert sources, "the package's sources were not found"
    found = {str(path.relative_to(ROOT)): calls_to("get_event_loop", path) for path in sources}
    assert {path: lines for path, lines in found.items() if lines} == {}
