"""The Run All checker catches what a reader would hit, and passes a clean notebook."""

import nbformat
import pytest

from tools.run_all import run_all


def notebook(tmp_path, *sources, stderr_output=False):
    cells = [nbformat.v4.new_code_cell(source) for source in sources]
    if stderr_output:
        cells[-1].outputs = [nbformat.v4.new_output("stream", name="stderr", text="expected\n")]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


def test_clean_notebook_passes(tmp_path):
    path = notebook(tmp_path, "x = 1", "import asyncio\nawait asyncio.sleep(0.01)\nprint(x)")
    assert run_all(path, timeout_s=60).problems == []


def test_an_error_is_reported(tmp_path):
    # Whether the kernel also aborts the cells queued after it depends on how soon their
    # requests reach it (on a busy machine, after the error), so only the error is asserted.
    problems = run_all(notebook(tmp_path, "1 / 0", "print('never')"), timeout_s=60).problems
    assert any(p.startswith("cell 0: ZeroDivisionError") for p in problems), problems


def test_stray_stderr_is_reported_unless_the_notebook_shows_it(tmp_path):
    code = "import sys\nprint('careful', file=sys.stderr)"
    assert any("stray stderr" in p for p in run_all(notebook(tmp_path, code), 60).problems)
    assert run_all(notebook(tmp_path, code, stderr_output=True), 60).problems == []


def test_a_pending_task_is_reported(tmp_path):
    code = "import asyncio\nforgotten = asyncio.create_task(asyncio.sleep(3600))"
    problems = run_all(notebook(tmp_path, code), timeout_s=60).problems
    assert any("pending asyncio tasks" in p for p in problems)


def test_a_child_process_left_running_is_reported(tmp_path):
    code = "import subprocess, sys\nchild = subprocess.Popen([sys.executable, '-c', 'input()'])"
    problems = run_all(notebook(tmp_path, code), timeout_s=60).problems
    assert any("child processes still running" in p for p in problems)


@pytest.mark.timeout(60)
def test_a_hang_is_reported_within_the_timeout(tmp_path):
    problems = run_all(notebook(tmp_path, "import time\ntime.sleep(600)"), timeout_s=3).problems
    assert any("hang" in p for p in problems)
