"""`make lab` serves JupyterLab on loopback, as root too, with the course's own lab settings."""

import contextlib
import json
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="`make lab` needs make")

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "course-test-token"


def get(url: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"token {TOKEN}"})
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.URLError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)  # the server logs its URL a moment before it accepts connections


@pytest.fixture
def lab(tmp_path):
    # No --allow-root here: the Makefile adds it when it runs as root. The user's own settings and
    # workspaces stay out of the test (and the test out of them).
    options = (
        f"--no-browser --ServerApp.port=0 --IdentityProvider.token={TOKEN}"
        f" --LabApp.user_settings_dir={tmp_path / 'user-settings'}"
        f" --LabApp.workspaces_dir={tmp_path / 'workspaces'}"
    )
    process = subprocess.Popen(
        [
            "make",
            "--no-print-directory",
            "lab",
            f"PYTHON={sys.executable}",  # so that make keeps this venv, whichever Python made it
            f"VENV={sys.prefix}",
            f"LAB_OPTIONS={options}",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        for line in process.stdout:
            found = re.search(r"http://127\.0\.0\.1:\d+", line)
            if found:
                yield found.group(0)
                break
            if time.monotonic() > deadline:
                break
        else:
            pytest.fail("make lab exited without printing its URL")
    finally:
        family: list[psutil.Process] = []
        with contextlib.suppress(psutil.NoSuchProcess):
            parent = psutil.Process(process.pid)
            family = [parent, *parent.children(recursive=True)]
        for member in family:  # a child may end with its parent, before its own turn
            with contextlib.suppress(psutil.NoSuchProcess):
                member.terminate()
        _, alive = psutil.wait_procs(family, timeout=20)
        for member in alive:
            with contextlib.suppress(psutil.NoSuchProcess):
                member.kill()
        process.wait()
        process.stdout.close()


@pytest.mark.timeout(90)
def test_make_lab_serves_the_index_notebook_with_the_course_settings(lab):
    """One start of JupyterLab (it takes seconds): the index notebook, then the settings."""
    status, page = get(f"{lab}/lab/tree/notebooks/00-index.ipynb")
    assert status == 200
    assert b"JupyterLab" in page
    status, body = get(f"{lab}/api/contents/notebooks/00-index.ipynb")
    model = json.loads(body)
    assert model["type"] == "notebook"
    assert model["content"]["cells"][0]["source"].startswith("# 00 · Course index")
    # The course's lab-settings/overrides.json, installed by `make lab`, replaces these defaults;
    # the user has set nothing, so the defaults are what JupyterLab's front end applies.
    _, body = get(f"{lab}/lab/api/settings/@jupyterlab/apputils-extension:notification")
    plugin = json.loads(body)
    assert plugin["settings"] == {}
    defaults = {name: spec["default"] for name, spec in plugin["schema"]["properties"].items()}
    assert defaults["fetchNews"] == "false"  # not "none", which asks with a pop-up
    assert defaults["checkForUpdates"] is False
