"""The package's folders are those CONTRIBUTING.md shows, and importing them stays light."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HELPERS = ROOT / "helpers"
FOLDERS = sorted(p.name for p in HELPERS.iterdir() if (p / "__init__.py").is_file())


def test_contributing_shows_every_folder_of_the_package():
    tree = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8").split("```text\n", 1)[1]
    tree = tree.split("```", 1)[0]
    listed = sorted(line.split()[0].rstrip("/") for line in tree.splitlines()[1:] if "/" in line)
    assert listed == FOLDERS


@pytest.mark.parametrize("folder", FOLDERS)
def test_init_files_hold_only_a_docstring(folder):
    source = (HELPERS / folder / "__init__.py").read_text(encoding="utf-8")
    if folder == "exercises":
        pytest.skip("the exercises' protocol lives in their __init__ (issue 12)")
    (docstring,) = ast.parse(source).body
    assert isinstance(docstring, ast.Expr), "only a docstring: no imports, no re-exports"


@pytest.mark.parametrize(
    "module", ["helpers.cpu.workloads", "helpers.measure.timeline", "helpers.bench.cpu"]
)
def test_worker_modules_import_no_heavy_library(module):
    code = (
        f"import sys, {module}; "
        "print(sorted({'matplotlib', 'psutil', 'aiohttp', 'tqdm'} & set(sys.modules)))"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert completed.stdout.strip() == "[]", completed.stderr
