"""Run a notebook the way JupyterLab's Run All does: every code cell queued at once on one kernel.

nbval sends one cell and waits for it; JupyterLab queues them all, so a notebook can pass nbval
and still fail for a reader (for example a cell that needs the previous cell's output flushed,
or a cell waiting on input). `python tools/run_all.py NOTEBOOK...` reports errors, hangs, output
on stderr that the committed notebook does not show, and what the kernel has left behind.
"""

from __future__ import annotations

import argparse
import queue
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from jupyter_client.manager import start_new_kernel

# Run after the last cell: anything it prints is something the notebook left behind.
LEFTOVERS = """
import asyncio as _asyncio, gc as _gc, psutil as _psutil


def _user_task(task):
    code = getattr(task.get_coro(), "cr_code", None)
    return code is None or "ipykernel" not in code.co_filename


_gc.collect()
try:
    _pending = [t for t in _asyncio.all_tasks() if _user_task(t)]
except RuntimeError:
    _pending = []
if _pending:
    print("pending asyncio tasks:", _pending)
_children = [p for p in _psutil.Process().children(recursive=True) if p.is_running()]
if _children:
    print("child processes still running:", [(p.pid, p.name()) for p in _children])
"""


@dataclass
class Report:
    """What went wrong when a notebook was run as Run All."""

    path: Path
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _expected_stderr(cell: nbformat.NotebookNode) -> bool:
    return any(o.get("name") == "stderr" for o in cell.get("outputs", []))


def _open_file_limit(limit: int) -> Callable[[], None]:
    """A function that sets the soft and hard open-file limits of the process it runs in."""

    def lower() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

    return lower


def run_all(path: Path, timeout_s: float = 600, open_files: int | None = None) -> Report:
    """Queue every code cell of the notebook at once, then check what came back.

    With open_files, the kernel runs with that soft and hard open-file limit, as on a container
    or a laptop whose limit no process can raise (macOS's default soft limit is 256).
    """
    notebook = nbformat.read(path, as_version=4)
    cells = [c for c in notebook.cells if c.cell_type == "code" and c.source.strip()]
    report = Report(path)
    start = time.perf_counter()
    limits: dict[str, Any] = {}
    if open_files is not None:
        limits["preexec_fn"] = _open_file_limit(open_files)
    manager, client = start_new_kernel(kernel_name="python3", cwd=str(path.parent), **limits)
    try:
        owners = {client.execute(c.source, stop_on_error=True): i for i, c in enumerate(cells)}
        leftovers_id = client.execute(LEFTOVERS, silent=False, store_history=False)
        busy = set(owners) | {leftovers_id}
        deadline = start + timeout_s
        while busy:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                report.problems.append(f"hang: {len(busy)} cells still queued after {timeout_s} s")
                break
            try:
                message = client.get_iopub_msg(timeout=min(remaining, 5))
            except queue.Empty:
                continue
            parent = message["parent_header"].get("msg_id")
            kind, content = message["msg_type"], message["content"]
            where = f"cell {owners[parent]}" if parent in owners else "after the last cell"
            if kind == "status" and content["execution_state"] == "idle":
                busy.discard(parent)
            elif kind == "error":
                report.problems.append(f"{where}: {content['ename']}: {content['evalue']}")
            elif kind == "stream" and parent == leftovers_id:
                report.problems.append(f"left behind: {content['text'].strip()}")
            elif (
                kind == "stream"
                and content["name"] == "stderr"
                and (parent not in owners or not _expected_stderr(cells[owners[parent]]))
            ):
                report.problems.append(f"{where}: stray stderr: {content['text'].strip()}")
        if not busy:
            for _ in range(len(owners) + 1):
                reply = client.get_shell_msg(timeout=30)
                cell = owners.get(reply["parent_header"].get("msg_id"))
                if cell is not None and reply["content"]["status"] != "ok":
                    report.problems.append(f"cell {cell}: {reply['content']['status']}")
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    report.seconds = time.perf_counter() - start
    return report


def main(argv: list[str]) -> int:
    """Run each notebook named on the command line; exit 1 if any had a problem."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument(
        "--open-files", type=int, metavar="N", help="run each kernel with an open-file limit of N"
    )
    args = parser.parse_args(argv)
    paths = args.notebooks
    failed = 0
    for name in paths:
        report = run_all(name, open_files=args.open_files)
        status = "FAIL" if report.problems else "ok"
        print(f"{status:<4} {name} ({report.seconds:.0f} s)")
        for problem in report.problems:
            print(f"     {problem}")
        failed += bool(report.problems)
    print(f"{len(paths) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
