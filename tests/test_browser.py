"""`make test-browser`: every notebook runs clean from JupyterLab's Run menu in headless Chromium.

Opt-in (not part of `make test`): it needs Chromium from the system's packages and playwright
(requirements-browser.txt). The last tests prove that the checks catch what they look for.
"""

import re
import shutil
from pathlib import Path

import nbformat
import pytest

from tools.browser_test import (
    CHROMIUM,
    NEWS_POPUP,
    NOTEBOOKS,
    ROOT,
    Lab,
    browser,
    check_environment,
    notification_defaults,
    run_notebook,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(420)]


@pytest.fixture(scope="module")
def chrome():
    try:
        check_environment(CHROMIUM)
    except RuntimeError as missing:  # say what to install, rather than a stack trace
        pytest.fail(str(missing), pytrace=False)
    with browser(CHROMIUM) as chromium:
        yield chromium


@pytest.fixture(scope="module")
def lab():
    server = Lab()
    try:
        server.start()
        yield server
    finally:
        leftovers = server.stop()
    assert not leftovers, f"processes still running after JupyterLab stopped: {leftovers}"


def test_the_course_settings_switch_off_news_and_update_checks(lab):
    settings = notification_defaults(lab)
    assert settings["fetchNews"] == "false"
    assert settings["checkForUpdates"] is False


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_clean_in_the_browser(lab, chrome, path):
    before = path.read_bytes()
    report = run_notebook(lab, chrome, path)
    assert not report.problems, "\n".join(report.problems)
    assert path.read_bytes() == before, "the run changed the notebook on disk"


# The checks themselves, on notebooks made to fail them.
FIGURE = "import matplotlib.pyplot as plt\nfigure = plt.figure()\nplt.plot([1, 2])\n"
WIDGET = {"model_id": "no-such-model", "version_major": 2, "version_minor": 0}


@pytest.fixture
def scratch():
    folder = ROOT / "build" / "browser-fixtures"
    folder.mkdir(parents=True, exist_ok=True)
    yield folder
    shutil.rmtree(folder)


def write(folder: Path, name: str, cells: list) -> Path:
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata.kernelspec = {"name": "python3", "display_name": "Python 3"}
    path = folder / name
    nbformat.write(notebook, path)
    return path


def test_the_checks_catch_errors_stderr_text_charts_and_dead_widgets(lab, chrome, scratch):
    # What a figure shows when no image format is active: its repr, no picture.
    chart = nbformat.v4.new_code_cell(
        "display({'text/plain': '<Figure size 640x480 with 1 Axes>'}, raw=True)"
    )
    chart.outputs = [nbformat.v4.new_output("display_data", {"image/png": "iVBORw0KGgo="})]
    path = write(
        scratch,
        "broken.ipynb",
        [
            nbformat.v4.new_code_cell("%matplotlib inline\n" + FIGURE + "plt.show()"),
            nbformat.v4.new_code_cell("import sys\nprint('oops', file=sys.stderr)"),
            chart,
            nbformat.v4.new_code_cell(
                "from IPython.display import display\n"
                f"display({{'application/vnd.jupyter.widget-view+json': {WIDGET!r},"
                " 'text/plain': 'Loading widget...'}, raw=True)"
            ),
            nbformat.v4.new_code_cell("1 / 0"),
            nbformat.v4.new_code_cell("print('never reached')"),
        ],
    )
    problems = "\n".join(run_notebook(lab, chrome, path, timeout_s=120).problems)
    assert "cell 0" not in problems  # a chart drawn inline passes
    assert "cell 1: stray stderr: oops" in problems
    assert "cell 2: a chart shown as text, not drawn: <Figure size" in problems
    assert "cell 2: 1 chart(s) in the committed notebook, 0 rendered" in problems
    assert "cell 3: 1 widget(s) in the output, 0 shown" in problems
    # "Loading widget..." without ipywidgets' JupyterLab extension, an error with it
    stuck = r"cell 3: the output shows '(Loading widget\.\.\.|Error displaying widget)'"
    assert re.search(stuck, problems)
    assert "cell 4: error ZeroDivisionError: division by zero" in problems
    assert "cells [5] did not run" in problems


def test_the_check_sees_the_news_pop_up_when_the_settings_ask(chrome, scratch):
    path = write(scratch, "plain.ipynb", [nbformat.v4.new_code_cell("print('hello')")])
    ask = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "none"}}
    asking = Lab(user_settings=ask)
    try:
        asking.start()
        problems = run_notebook(asking, chrome, path, timeout_s=120).problems
    finally:
        assert not asking.stop()
    assert any(NEWS_POPUP in problem for problem in problems), problems


def test_a_live_widget_passes_and_a_dead_one_fails(lab, chrome, scratch):
    pytest.importorskip("ipywidgets", reason="widgets render only where ipywidgets is installed")
    path = write(
        scratch,
        "widgets.ipynb",
        [
            nbformat.v4.new_code_cell(
                "from tqdm.notebook import tqdm\nfor _ in tqdm(range(3), desc='steps'):\n    pass"
            ),
            nbformat.v4.new_code_cell("import ipywidgets\nipywidgets.IntSlider(value=3)"),
            nbformat.v4.new_code_cell(
                f"display({{'application/vnd.jupyter.widget-view+json': {WIDGET!r}}}, raw=True)"
            ),
        ],
    )
    problems = run_notebook(lab, chrome, path, timeout_s=120).problems
    assert [p for p in problems if not p.startswith("screenshot")] == [
        "cell 2: 1 widget(s) in the output, 0 shown",
        "cell 2: the output shows 'Error displaying widget'",
    ], problems
