"""Re-execute notebooks in place and record how long each took: `make notebooks`."""

from __future__ import annotations

import os
import platform
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

CELL_TIMEOUT_S = 600
OPEN_FILES = 256  # the limit `make test` runs the notebooks under (tests/notebook_pass.py)


def executed_with() -> str:
    """This Python and machine, as the index names them: "Python 3.13.0, Linux x86_64, 2 CPUs"."""
    machine = f"{platform.system()} {platform.machine()}"
    return f"Python {platform.python_version()}, {machine}, {os.cpu_count()} CPUs"


def execute(path: Path) -> float:
    """Run every cell of the notebook at path, store its outputs and running time."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    facts = notebook.metadata.setdefault("course", {})
    facts["run_seconds"] = round(elapsed)
    facts["executed_with"] = executed_with()
    nbformat.write(notebook, path)
    return elapsed


def main(paths: list[str]) -> None:
    """Execute each notebook named on the command line, in order, under make test's file limit."""
    if sys.platform != "win32":
        import resource

        resource.setrlimit(resource.RLIMIT_NOFILE, (OPEN_FILES, OPEN_FILES))
    for name in paths:
        elapsed = execute(Path(name))
        print(f"{name}: executed in {elapsed:.0f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
