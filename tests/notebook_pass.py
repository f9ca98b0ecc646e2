"""The notebook pass of `make test`: nbval, with every cell queued at once as Run All does.

nbval sends one cell and waits for it; JupyterLab's Run All queues every cell at once, and a
notebook can pass the first and still fail a reader in the second. Loaded with
`pytest -p tests.notebook_pass --nbval ...`, this plugin queues all of a notebook's cells when
nbval reaches its first, so that nbval compares (strictly, through tools/nbval-sanitize.cfg) the
outputs of one Run All. Each notebook therefore runs once, and is held to:

- nbval's comparison of every cell's output with the stored one;
- no output on stderr that the stored notebook does not show, in any cell, its output compared
  or not, nor from a background thread after its cell has finished;
- every chart it shows has a title and a y label, and no y label says the generic "task";
- nothing left running after the last cell: no pending asyncio task, no child process but
  multiprocessing's own services (tests/leftovers.py);
- an open-file limit of 256 (soft and hard), as in a container or on a macOS laptop;
- each timing claim gated by `OtherCpus.allows` is counted, checked or not, and the run ends
  with "N timing claims checked, M not checked (why)". A busy machine leaves claims unchecked
  and the run green; it says so.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections import deque
from pathlib import Path
from typing import Any

import pytest
from leftovers import SERVICES
from nbval.plugin import IPyNbCell  # type: ignore[import-untyped]

from helpers.measure.othercpus import CLAIMS_LOG

OPEN_FILES = 256

# Run silently before the first cell: report each chart that lacks a title or a y label.
CHART_CHECK = """
def _course_check_charts(result):
    import sys
    from matplotlib.figure import Figure
    from matplotlib._pylab_helpers import Gcf
    figures = [m.canvas.figure for m in Gcf.get_all_fig_managers()]
    if isinstance(result.result, Figure):
        figures.append(result.result)
    for figure in figures:
        axes = [a for a in figure.axes if a.get_visible()]
        titles = [figure._suptitle.get_text() if figure._suptitle else ""]
        titles += [a.get_title() for a in axes]
        labels = [a.get_ylabel() for a in axes]
        if not any(t.strip() for t in titles):
            print("chart without a title", file=sys.stderr)
        if not any(label.strip() for label in labels):
            print("chart without a y label", file=sys.stderr)
        if any(label.strip().lower() == "task" for label in labels):
            print('chart whose y label is the generic "task"', file=sys.stderr)

get_ipython().events.register("post_run_cell", _course_check_charts)
"""

# Run after the last cell: anything it prints is something the notebook left behind.
LEFTOVERS = f"""
import asyncio as _asyncio, gc as _gc, psutil as _psutil


def _user_task(task):
    code = getattr(task.get_coro(), "cr_code", None)
    return code is None or "ipykernel" not in code.co_filename


def _service(process):
    try:
        return any(s in " ".join(process.cmdline()) for s in {SERVICES!r})
    except _psutil.Error:
        return False


_gc.collect()
try:
    _pending = [t for t in _asyncio.all_tasks() if _user_task(t)]
except RuntimeError:
    _pending = []
if _pending:
    print("pending asyncio tasks:", _pending)
_me = _psutil.Process()
_services = [p for p in _me.children() if _service(p)]
_children = [p for p in _me.children(recursive=True) if p not in _services and p.is_running()]
_gone, _children = _psutil.wait_procs(_children, timeout=2)
if _children:
    print("child processes still running:", [(p.pid, p.name()) for p in _children])
"""


class NotebookRun:
    """One notebook's queued run: the message id of each cell, and what went wrong outside them."""

    def __init__(self, kernel: Any, cells: list[IPyNbCell]) -> None:
        self.kernel = kernel
        self.cell_of: dict[str, int] = {}
        self.problems: list[str] = []
        self.reading: str | None = None  # the message id whose outputs nbval is reading now
        client = kernel.kc
        client.execute(CHART_CHECK, silent=True, store_history=False)
        self.queue: deque[tuple[str, str]] = deque()
        for cell in cells:
            msg_id = client.execute(cell.cell.source, allow_stdin=False, stop_on_error=True)
            self.cell_of[msg_id] = cell.cell_num
            self.queue.append((cell.cell.source, msg_id))
        self.leftovers_id = client.execute(LEFTOVERS, store_history=False)
        self._get_message = kernel.get_message
        kernel.execute_cell_input = self.execute_cell_input
        kernel.get_message = self.get_message

    def execute_cell_input(self, cell_input: str, allow_stdin: bool | None = None) -> str:
        """What nbval calls to run a cell: the id of the request queued for it already."""
        source, msg_id = self.queue.popleft()
        assert source == cell_input, "nbval ran the cells in another order than they were queued"
        self.reading = msg_id
        return msg_id

    def get_message(self, stream: str, timeout: float | None = None) -> dict[str, Any]:
        """nbval's message reader, noting stderr that belongs to a cell it is not reading."""
        message = self._get_message(stream, timeout=timeout)
        parent = message["parent_header"].get("msg_id")
        content = message["content"]
        if (
            stream == "iopub"
            and message["msg_type"] == "stream"
            and content.get("name") == "stderr"
            and parent != self.reading
        ):
            where = f"cell {self.cell_of[parent]}" if parent in self.cell_of else "no cell"
            self.problems.append(f"{where}: stderr after the cell ended: {content['text']!r}")
        return message

    def finish(self) -> None:
        """Read what the leftovers check printed, and anything else that arrived meanwhile."""
        self.reading = self.leftovers_id
        while True:
            message = self._get_message("iopub", timeout=60)
            parent = message["parent_header"].get("msg_id")
            kind, content = message["msg_type"], message["content"]
            if parent == self.leftovers_id and kind == "stream":
                self.problems.append(f"left behind: {content['text'].strip()}")
            elif parent == self.leftovers_id and kind == "error":
                self.problems.append(f"the leftovers check failed: {content['evalue']}")
            elif kind == "stream" and content.get("name") == "stderr":
                self.problems.append(f"stderr after the last cell: {content['text']!r}")
            elif parent == self.leftovers_id and content.get("execution_state") == "idle":
                return


def _cells_of(item: IPyNbCell) -> list[IPyNbCell]:
    """The cells of the item's notebook that nbval will run, in order."""
    items = [i for i in item.session.items if i.parent is item.parent]
    return [i for i in items if isinstance(i, IPyNbCell) and not i.options["skip"]]


class NotebookPass:
    """The plugin: queues each notebook, checks what nbval does not, counts the timing claims."""

    def __init__(self) -> None:
        self.runs: dict[Any, NotebookRun] = {}
        handle, name = tempfile.mkstemp(prefix="claims-", suffix=".jsonl")
        os.close(handle)
        self.claims_log = Path(name)
        self.claims: list[tuple[str, dict[str, Any]]] = []
        os.environ[CLAIMS_LOG] = name  # the kernels nbval starts inherit it

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Any:
        result = yield  # nbval has started the notebook's kernel
        if isinstance(item, IPyNbCell) and item.parent not in self.runs:
            self.runs[item.parent] = NotebookRun(item.parent.kernel, _cells_of(item))
        return result

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Any:
        result = yield
        if isinstance(item, IPyNbCell) and not item.options["check"]:
            # nbval compares no output here, stderr included: hold it to the stored notebook
            shown = any(o.get("name") == "stderr" for o in item.cell.get("outputs", []))
            stderr = [o["text"] for o in item.test_outputs or [] if o.get("name") == "stderr"]
            if stderr and not shown:
                raise AssertionError(f"output on stderr the notebook does not show: {stderr}")
        return result

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item, nextitem: pytest.Item | None) -> Any:
        notebook: Any = item.parent
        problems = []
        run = self.runs.get(notebook) if isinstance(item, IPyNbCell) else None
        if run is not None and (nextitem is None or nextitem.parent is not notebook):
            del self.runs[notebook]  # the last cell: check before nbval stops the kernel
            if notebook.kernel.is_alive():
                run.finish()
            self._collect_claims(Path(str(item.fspath)).stem)
            problems = run.problems
        result = yield
        if problems:
            raise AssertionError(f"{notebook.name}:\n" + "\n".join(problems))
        return result

    def _collect_claims(self, notebook: str) -> None:
        lines = self.claims_log.read_text(encoding="utf-8").splitlines()
        self.claims_log.write_text("", encoding="utf-8")
        self.claims += [(notebook, json.loads(line)) for line in lines if line.strip()]

    def summary(self) -> list[str]:
        """The claims line, then one line per claim not checked."""
        checked = [c for _, c in self.claims if c["checked"]]
        missed = [(notebook, c) for notebook, c in self.claims if not c["checked"]]
        whys = sorted({c["why"] for _, c in missed})
        line = f"{len(checked)} timing claims checked, {len(missed)} not checked"
        lines = [f"{line} ({'; '.join(whys)})" if missed else line]
        return lines + [f"  not checked: {notebook}: {c['claim']}" for notebook, c in missed]

    def pytest_terminal_summary(self, terminalreporter: Any, config: pytest.Config) -> None:
        lines = self.summary()
        for line in lines:
            terminalreporter.write_line(line)
        path = config.getoption("claims_file")
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")

    def pytest_unconfigure(self) -> None:
        self.claims_log.unlink(missing_ok=True)


def pytest_addoption(parser: pytest.Parser) -> None:
    """--claims-file: where to write the timing claims' summary too (`make test` prints it last)."""
    parser.addoption("--claims-file", default=None, help="write the timing claims' summary here")


def pytest_configure(config: pytest.Config) -> None:
    """Register the pass where nbval runs; lower the open-file limit the kernels inherit."""
    if not config.getoption("nbval", default=False):
        return
    if sys.platform != "win32":
        import resource

        resource.setrlimit(resource.RLIMIT_NOFILE, (OPEN_FILES, OPEN_FILES))
    config.pluginmanager.register(NotebookPass(), "notebook-pass")
