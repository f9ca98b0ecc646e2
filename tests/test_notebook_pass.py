"""The notebook pass (tests/notebook_pass.py) fails what a reader would hit, and passes the rest.

One run of the pass over notebooks made for the purpose, each a case; its report of failures and
errors says which case failed and why.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent


def cell(source: str, *outputs: dict) -> nbformat.NotebookNode:
    """A code cell with the outputs a stored notebook would show, as if it had run."""
    made = nbformat.v4.new_code_cell(source, execution_count=1)
    made.outputs = [nbformat.from_dict(output) for output in outputs]
    return made


def stdout(text: str) -> dict:
    return {"output_type": "stream", "name": "stdout", "text": text}


def stderr(text: str) -> dict:
    return {"output_type": "stream", "name": "stderr", "text": text}


CASES = {
    "clean": [
        cell("x = 21"),
        cell("import asyncio\nawait asyncio.sleep(0.01)\nprint(x * 2)", stdout("42\n")),
        cell("print('took 0.52 s')", stdout("took 0.10 s\n")),  # sanitised: durations vary
    ],
    "mismatch": [cell("print(1 + 1)", stdout("3\n"))],
    "queued": [cell("1 / 0"), cell("print('ran')", stdout("ran\n"))],
    "stray-stderr": [
        cell("# NBVAL_IGNORE_OUTPUT\nimport sys\nprint('careful', file=sys.stderr)"),
    ],
    "shown-stderr": [cell("import sys\nprint('careful', file=sys.stderr)", stderr("careful\n"))],
    "late-stderr": [
        cell(
            "import sys, threading\n"
            "threading.Timer(0.5, lambda: print('late', file=sys.stderr)).start()"
        ),
        cell("import time\ntime.sleep(1.5)"),
    ],
    "pending-task": [
        cell("import asyncio\nforgotten = asyncio.create_task(asyncio.sleep(3600))"),
    ],
    "child-process": [
        cell(
            "import subprocess, sys\n"
            "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])"
        ),
    ],
    "pool-services": [
        cell(
            "from concurrent.futures import ProcessPoolExecutor\n"
            "from helpers.cpu.pools import default_context\n"
            "with ProcessPoolExecutor(1, mp_context=default_context()) as pool:\n"
            "    print(pool.submit(abs, -3).result())",
            stdout("3\n"),
        ),
    ],
    "chart-no-ylabel": [
        cell(
            "import matplotlib.pyplot as plt\n"
            "fig, ax = plt.subplots()\nax.plot([1, 2])\nax.set_title('rises')\nplt.close(fig)\nfig",
        ),
    ],
    "chart-task": [
        cell(
            "import matplotlib.pyplot as plt\n"
            "fig, ax = plt.subplots()\nax.plot([1, 2])\nax.set_title('rises')\n"
            "ax.set_ylabel('task')\nplt.close(fig)\nfig",
        ),
    ],
    "chart-ok": [
        cell(
            "# NBVAL_IGNORE_OUTPUT\nimport matplotlib.pyplot as plt\n"
            "fig, ax = plt.subplots()\nax.plot([1, 2])\nax.set_title('rises')\n"
            "ax.set_ylabel('request')\nplt.close(fig)\nfig",
        ),
    ],
    "claims": [
        cell(
            "from helpers.measure.othercpus import OtherCpus\n"
            "quiet, busy = OtherCpus(), OtherCpus()\n"
            "quiet.cpus = quiet.steal = busy.steal = 0.0\nbusy.cpus = 0.9\n"
            "quiet.allows('one claim')\nbusy.allows('another claim');",
            stdout("checked: one claim\nchecked: another claim\n"),
        ),
    ],
    "open-files": [
        cell(
            "import resource\nprint(resource.getrlimit(resource.RLIMIT_NOFILE))",
            stdout("(256, 256)\n"),
        ),
    ],
}


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    """Run the pass once over every case: (failed cells by case, the pass's output)."""
    folder = tmp_path_factory.mktemp("notebooks")
    for name, cells in CASES.items():
        nbformat.write(nbformat.v4.new_notebook(cells=cells), folder / f"{name}.ipynb")
    command = [
        *(sys.executable, "-m", "pytest", "-p", "notebook_pass", "--nbval", "--nbval-current-env"),
        *("--nbval-sanitize-with", str(ROOT / "tools" / "nbval-sanitize.cfg")),
        *("-c", str(ROOT / "pyproject.toml"), "--rootdir", str(folder), "-p", "no:xdist"),
        *("--color=no", *sorted(p.name for p in folder.glob("*.ipynb"))),
    ]
    path = os.pathsep.join([str(ROOT), str(ROOT / "tests")])  # what pyproject's pythonpath says
    environment = {**os.environ, "PYTHONPATH": path}
    run = subprocess.run(
        command, capture_output=True, text=True, cwd=folder, env=environment, timeout=240
    )
    failed: dict[str, list[str]] = {name: [] for name in CASES}
    # each failure or error is headed "____ [ERROR at teardown of ]CASE.ipynb::Cell N ____"
    sections = re.split(
        r"^_{3,} (?:ERROR at \w+ of )?(\S+)\.ipynb::Cell \d+ _{3,}$", run.stdout, flags=re.M
    )
    for name, text in zip(sections[1::2], sections[2::2], strict=True):
        failed[Path(name).name].append(text)
    return failed, run.stdout


@pytest.mark.parametrize(
    "case", ["clean", "shown-stderr", "pool-services", "chart-ok", "claims", "open-files"]
)
def test_a_notebook_that_does_what_it_shows_passes(outcome, case):
    failed, _ = outcome
    assert failed[case] == []


@pytest.mark.parametrize(
    ("case", "says"),
    [
        ("mismatch", "outputs differ"),
        ("queued", "aborted"),  # run one cell at a time, the second cell would have run
        ("stray-stderr", "careful"),
        ("late-stderr", "stderr"),  # with the cell, or after it ended: either way reported
        ("pending-task", "pending asyncio tasks"),
        ("child-process", "child processes still running"),
        ("chart-no-ylabel", "stderr"),
        ("chart-task", "stderr"),
    ],
)
def test_what_a_reader_would_hit_fails(outcome, case, says):
    failed, _ = outcome
    assert any(says in problem for problem in failed[case]), failed[case]


def test_the_timing_claims_are_counted(outcome):
    _, output = outcome
    assert "1 timing claims checked, 1 not checked (other programs kept 0.9 CPUs busy)" in output
    assert "not checked: claims: another claim" in output
