"""Run notebooks in JupyterLab in headless Chromium, through JupyterLab's own Run menu.

`python tools/browser_test.py [NOTEBOOK...]` (every notebook by default) starts JupyterLab on
127.0.0.1 with a token, opens each notebook in a fresh kernel, clears its outputs, clicks
Run → Run All Cells, waits until no cell is busy, then fails on what a reader would see go wrong:
an error, output on stderr that the committed notebook does not show, a chart that did not render
(no loaded image, or a `<Figure size ...>` line instead of the picture), a widget stuck on
"Loading widget..." or showing an error, or JupyterLab's news pop-up. It changes no file: autosave
is off, and the notebooks' checksums are compared before and after.

It drives the system's Chromium (`CHROMIUM`, default /usr/bin/chromium) with playwright, which
never downloads a browser here. Everything it starts (server, kernels, browser) is stopped at the
end.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import secrets
import shutil
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat
import psutil

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(ROOT.glob("notebooks/[0-9][0-9]-*.ipynb"))
CHROMIUM = os.environ.get("CHROMIUM") or "/usr/bin/chromium"
# Headless, and nothing that reaches out to the network on its own.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NEWS_POPUP = "official Jupyter news"
INSTALL_HINT = (
    "Install Chromium from your system's packages (Debian/Ubuntu: `sudo apt-get install chromium`;"
    " Fedora: `sudo dnf install chromium`; macOS: install Google Chrome) and, if it is not at"
    " /usr/bin/chromium, point CHROMIUM at it: `make test-browser CHROMIUM=/path/to/chromium`."
)

# Read in the page after Run All: per cell, what the reader sees in its output area.
CELL_VIEW_JS = """
async () => {
  const cells = [...document.querySelectorAll('.jp-NotebookPanel .jp-Notebook .jp-Cell')];
  const views = [];
  for (const cell of cells) {
    const area = cell.querySelector('.jp-OutputArea');
    const images = [];
    for (const img of area ? area.querySelectorAll('img') : []) {
      img.scrollIntoView();
      try { await img.decode(); } catch (e) {}
      images.push(img.naturalWidth);
    }
    views.push({
      images,
      widgets: area ? [...area.querySelectorAll('.jp-OutputArea-output')]
        .filter(output => output.querySelector('.jupyter-widgets')).length : 0,
      text: area ? area.innerText : '',
    });
  }
  return views;
}
"""
# The notebook as JupyterLab holds it, outputs included (needs LabApp.expose_app_in_browser).
MODEL_JS = "() => window.jupyterapp.shell.currentWidget.content.model.toJSON()"
KERNEL_STATUS_JS = """
() => {
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const kernel = panel && panel.sessionContext && panel.sessionContext.session
    && panel.sessionContext.session.kernel;
  return kernel ? kernel.status : null;
}
"""
WIDGETS_SETTLED_JS = """
() => ![...document.querySelectorAll('.jp-OutputArea')]
  .some(area => area.innerText.includes('Loading widget...'))
"""
PROMPTS_JS = """
() => [...document.querySelectorAll('.jp-NotebookPanel .jp-Notebook .jp-Cell')]
  .map(cell => cell.classList.contains('jp-CodeCell')
    ? [...cell.querySelectorAll('.jp-InputPrompt')].map(p => p.textContent).join(' ') : null)
"""


@dataclass
class Report:
    """What went wrong when a notebook was run from JupyterLab's Run menu in Chromium."""

    path: Path
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0


class Lab:
    """A JupyterLab server on 127.0.0.1 with a token, its own user settings and workspaces."""

    def __init__(self, root: Path = ROOT, user_settings: dict[str, dict] | None = None) -> None:
        self.root = root
        self.user_settings = user_settings or {}
        self.token = secrets.token_hex(16)
        self.home = Path(tempfile.mkdtemp(prefix="browser-test-"))
        self.log = self.home / "jupyterlab.log"
        self.url = ""
        self.process: psutil.Popen | None = None

    def start(self, timeout_s: float = 60) -> None:
        """Start JupyterLab and wait until it answers."""
        # Autosave off: running the notebooks must not rewrite the committed files.
        settings = {"@jupyterlab/docmanager-extension:plugin": {"autosave": False}}
        for plugin, values in {**settings, **self.user_settings}.items():
            package, name = plugin.split(":")
            file = self.home / "user-settings" / package / f"{name}.jupyterlab-settings"
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(json.dumps(values))
        command = [
            sys.executable, "-m", "jupyterlab", "--no-browser",
            "--ServerApp.ip=127.0.0.1", "--ServerApp.port=0", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}",
            f"--LabApp.user_settings_dir={self.home / 'user-settings'}",
            f"--LabApp.workspaces_dir={self.home / 'workspaces'}",
            "--LabApp.expose_app_in_browser=True", "--LabApp.extension_manager=readonly",
        ]  # fmt: skip
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")
        env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(self.home / "runtime")}
        with self.log.open("wb") as log:
            self.process = psutil.Popen(
                command, stdout=log, stderr=log, env=env, cwd=self.root, start_new_session=True
            )
        deadline = time.monotonic() + timeout_s
        while not self.url:
            found = re.search(r"http://127\.0\.0\.1:\d+", self.log.read_text(errors="replace"))
            if found:
                self.url = found.group(0)
            elif self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"JupyterLab did not start:\n{self.log.read_text()[-3000:]}")
            else:
                time.sleep(0.2)
        while True:  # the URL is logged a moment before the server accepts connections
            try:
                self.api("GET", "/api/status")
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def api(self, method: str, path: str) -> Any:
        """Call the server's REST API with the token; return the decoded JSON (or None)."""
        request = urllib.request.Request(
            self.url + path, method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=20) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shut_down_kernels(self, timeout_s: float = 30) -> None:
        """End every session and its kernel, and wait until the server lists no kernel."""
        for session in self.api("GET", "/api/sessions"):
            self.api("DELETE", f"/api/sessions/{session['id']}")
        for kernel in self.api("GET", "/api/kernels"):
            self.api("DELETE", f"/api/kernels/{kernel['id']}")
        deadline = time.monotonic() + timeout_s
        while self.api("GET", "/api/kernels"):
            if time.monotonic() > deadline:
                raise RuntimeError("kernels still running after shutdown")
            time.sleep(0.2)

    def stop(self) -> list[str]:
        """Stop the server, its kernels and anything they started; name what had to be killed."""
        leftovers: list[str] = []
        if self.process is not None:
            try:
                family = [self.process, *self.process.children(recursive=True)]
            except psutil.NoSuchProcess:
                family = []
            self.process.terminate()  # JupyterLab shuts its kernels down on SIGTERM
            try:
                self.process.wait(30)
            except psutil.TimeoutExpired:
                self.process.kill()
            _, alive = psutil.wait_procs([p for p in family if p.is_running()], timeout=10)
            for process in alive:
                leftovers.append(f"{process.pid} {process.name()}")
                process.kill()
            psutil.wait_procs(alive, timeout=10)
        shutil.rmtree(self.home, ignore_errors=True)
        return leftovers


def notification_defaults(lab: Lab) -> dict[str, object]:
    """The news and update-check settings the lab applies (the course's overrides, no user's)."""
    plugin = lab.api("GET", "/lab/api/settings/@jupyterlab/apputils-extension:notification")
    properties = plugin["schema"]["properties"]
    return {name: plugin["settings"].get(name, properties[name]["default"]) for name in properties}


def check_environment(chromium: str) -> None:
    """Fail with what to install when Chromium or playwright is missing."""
    if not (Path(chromium).is_file() and os.access(chromium, os.X_OK)):
        raise RuntimeError(f"Chromium not found at {chromium}. {INSTALL_HINT}")
    try:
        import playwright  # noqa: F401
    except ImportError:
        raise RuntimeError(
            "playwright is not installed: `make test-browser` installs it, or run"
            " `.venv/bin/python -m pip install -r requirements-browser.txt`."
        ) from None


@contextmanager
def browser(chromium: str = CHROMIUM) -> Iterator[Browser]:
    """A headless Chromium from the system's packages, driven by playwright."""
    from playwright.sync_api import sync_playwright

    check_environment(chromium)
    with sync_playwright() as driver:
        chrome = driver.chromium.launch(
            executable_path=chromium, headless=True, chromium_sandbox=False, args=CHROMIUM_FLAGS
        )
        try:
            yield chrome
        finally:
            chrome.close()


def click_menu(page: Page, menu: str, item: str) -> None:
    """Open a menu of JupyterLab's menu bar and click one of its items, as a reader would."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{re.escape(menu)}$")).click()
    label = page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$"))
    page.locator("li.lm-Menu-item", has=label).click()


def _stream(cell: dict, name: str) -> bool:
    return any(o.get("name") == name for o in cell.get("outputs", []))


def _images(cell: dict) -> int:
    return sum(
        "image/png" in o.get("data", {}) or "image/svg+xml" in o.get("data", {})
        for o in cell.get("outputs", [])
    )


def compare(stored: dict, ran: dict, views: list[dict]) -> list[str]:
    """What the run shows that the committed notebook does not: errors, stray stderr, bad charts."""
    problems = []
    for index, (before, after, view) in enumerate(
        zip(stored["cells"], ran["cells"], views, strict=True)
    ):
        if after["cell_type"] != "code":
            continue
        where = f"cell {index}"
        for output in after.get("outputs", []):
            data = output.get("data", {})
            if output["output_type"] == "error":
                problems.append(f"{where}: error {output['ename']}: {output['evalue']}")
            elif output.get("name") == "stderr" and not _stream(before, "stderr"):
                problems.append(f"{where}: stray stderr: {output['text'].strip()[:500]}")
            elif set(data) == {"text/plain"} and data["text/plain"].startswith("<Figure size"):
                problems.append(f"{where}: a chart shown as text, not drawn: {data['text/plain']}")
        broken = [width for width in view["images"] if width == 0]
        if broken:
            problems.append(f"{where}: {len(broken)} image(s) did not load (naturalWidth 0)")
        if len(view["images"]) - len(broken) < _images(before):
            problems.append(
                f"{where}: {_images(before)} chart(s) in the committed notebook,"
                f" {len(view['images']) - len(broken)} rendered"
            )
        widgets = sum(
            "application/vnd.jupyter.widget-view+json" in o.get("data", {})
            for o in after.get("outputs", [])
        )
        if widgets > view["widgets"]:
            problems.append(f"{where}: {widgets} widget(s) in the output, {view['widgets']} shown")
        for stuck in ("Loading widget...", "Error displaying widget"):
            if stuck in view["text"]:
                problems.append(f"{where}: the output shows {stuck!r}")
    return problems


def run_notebook(lab: Lab, chrome: Browser, path: Path, timeout_s: float = 300) -> Report:
    """Open one notebook in a fresh kernel, Run All from the menu, and check what is shown."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    report = Report(path)
    start = time.perf_counter()
    stored = nbformat.read(path, as_version=4)
    code = [c.cell_type == "code" and bool(c.source.strip()) for c in stored.cells]
    if lab.api("GET", "/api/kernels"):
        raise RuntimeError("a kernel is still running from the previous notebook")
    relative = path.resolve().relative_to(lab.root).as_posix()
    workspace = re.sub(r"\W", "-", path.stem)  # a new, empty workspace for each notebook
    context = chrome.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        page.goto(f"{lab.url}/lab/workspaces/{workspace}/tree/{relative}?token={lab.token}")
        page.wait_for_function(f"({KERNEL_STATUS_JS})() === 'idle'", timeout=120_000)
        click_menu(page, "Edit", "Clear Outputs of All Cells")
        page.wait_for_function(
            "() => !document.querySelector('.jp-Notebook .jp-OutputArea-output')", timeout=30_000
        )
        click_menu(page, "Run", "Run All Cells")
        deadline = time.monotonic() + timeout_s
        started = not any(code)  # prompts were cleared: any "[*]" or "[n]" is this run's
        while True:
            prompts = page.evaluate(PROMPTS_JS)
            busy = [i for i, p in enumerate(prompts) if p and "*" in p]
            started = started or any(p and re.search(r"\[[\d*]+\]", p) for p in prompts)
            # Run All ends with every cell run, or stops at an error with the rest left unrun.
            if started and not busy and page.evaluate(KERNEL_STATUS_JS) == "idle":
                break
            if time.monotonic() > deadline:
                report.problems.append(f"hang: cells {busy} still busy after {timeout_s} s")
                break
            time.sleep(0.5)
        page.wait_for_timeout(1000)  # let late display updates (charts, widgets) render
        # A widget shows "Loading widget..." until its model arrives; compare() reports one stuck.
        with suppress(PlaywrightTimeout):
            page.wait_for_function(WIDGETS_SETTLED_JS, timeout=15_000)
        ran = page.evaluate(MODEL_JS)
        views = page.evaluate(CELL_VIEW_JS)
        not_run = [
            i for i, (c, cell) in enumerate(zip(code, ran["cells"], strict=True))
            if c and cell.get("execution_count") is None
        ]  # fmt: skip
        if not_run and not report.problems:
            report.problems.append(f"cells {not_run} did not run")
        report.problems += compare(stored, ran, views)
        if page.get_by_text(NEWS_POPUP).count():
            report.problems.append(f"JupyterLab showed its news pop-up ({NEWS_POPUP!r})")
        if report.problems:
            shots = ROOT / "build/browser"
            shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=shots / f"{path.stem}.png", full_page=True)
            report.problems.append(f"screenshot: {shots / f'{path.stem}.png'}")
    finally:
        context.close()  # closes the page without saving anything
        lab.shut_down_kernels()
    report.seconds = time.perf_counter() - start
    return report


def checksums(paths: list[Path]) -> dict[Path, str]:
    """The notebooks' SHA-256, to prove the run changed none of them."""
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def main(argv: list[str] | None = None) -> int:
    """Run the given notebooks (every notebook by default); exit 1 if any shows a problem."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, default=NOTEBOOKS)
    parser.add_argument("--chromium", default=CHROMIUM, help="path to Chromium or Chrome")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per notebook")
    args = parser.parse_args(argv)
    try:
        check_environment(args.chromium)
    except RuntimeError as missing:
        print(missing)
        return 2
    before = checksums(args.notebooks)
    start = time.perf_counter()
    failed = False
    lab = Lab()
    try:
        lab.start()
        settings = notification_defaults(lab)
        if settings["fetchNews"] != "false" or settings["checkForUpdates"] is not False:
            print(f"the course's lab settings are not installed (run `make install`): {settings}")
            failed = True
        with browser(args.chromium) as chrome:
            for path in args.notebooks:
                report = run_notebook(lab, chrome, path, args.timeout)
                verdict = "FAIL" if report.problems else "ok"
                print(f"{verdict:4} {path.name} ({report.seconds:.0f} s)", flush=True)
                for problem in report.problems:
                    print(f"     {problem}", flush=True)
                failed |= bool(report.problems)
    finally:
        leftovers = lab.stop()
    if leftovers:
        print(f"processes left running at the end, killed: {leftovers}")
        failed = True
    changed = [p.name for p, digest in checksums(args.notebooks).items() if before[p] != digest]
    if changed:
        print(f"notebooks changed on disk by the run: {changed}")
        failed = True
    print(f"{len(args.notebooks)} notebooks in {time.perf_counter() - start:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
