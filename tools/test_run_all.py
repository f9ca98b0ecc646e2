"""Every notebook passes JupyterLab's Run All: no error, no hang, no stray stderr, nothing left."""

from pathlib import Path

import pytest
from run_all import run_all

NOTEBOOKS = sorted(Path(__file__).resolve().parent.parent.glob("notebooks/[0-9][0-9]-*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_run_all(path):
    report = run_all(path)
    assert not report.problems, "\n".join(report.problems)
