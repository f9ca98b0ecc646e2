"""Every notebook passes JupyterLab's Run All: no error, no hang, no stray stderr, nothing left."""

from pathlib import Path

import pytest
from run_all import run_all

# Last notebook first: `make test` runs this beside nbval, which goes first to last.
ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(ROOT.glob("notebooks/[0-9][0-9]-*.ipynb"), reverse=True)


@pytest.mark.timeout(360)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_run_all(path):
    report = run_all(path, timeout_s=300)
    assert not report.problems, "\n".join(report.problems)
