"""Every notebook passes JupyterLab's Run All: no error, no hang, no stray stderr, nothing left."""

import sys
from pathlib import Path

import pytest

from tools.run_all import run_all

# Last notebook first: `make test` runs this beside nbval, which goes first to last.
# Each kernel gets a hard open-file limit of 256, as in a container or on a macOS laptop (soft
# limit 256): the notebooks must fit their connections under it. nbval runs with the machine's.
OPEN_FILES = None if sys.platform == "win32" else 256
ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(ROOT.glob("notebooks/[0-9][0-9]-*.ipynb"), reverse=True)


@pytest.mark.timeout(360)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_run_all(path):
    report = run_all(path, timeout_s=300, open_files=OPEN_FILES)
    assert not report.problems, "\n".join(report.problems)
