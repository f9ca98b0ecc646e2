"""`make lab` serves JupyterLab on loopback and opens the index notebook."""

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
def lab():
    options = f"--no-browser --allow-root --ServerApp.port=0 --IdentityProvider.token={TOKEN}"
    process = subprocess.Popen(
        ["make", "--no-print-directory", "lab", f"VENV={sys.prefix}", f"LAB_OPTIONS={options}"],
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
        family = [
            psutil.Process(process.pid),
            *psutil.Process(process.pid).children(recursive=True),
        ]
        for member in family:
            member.terminate()
        _, alive = psutil.wait_procs(family, timeout=20)
        for member in alive:
            member.kill()
        process.wait()
        process.stdout.close()


@pytest.mark.timeout(90)
def test_make_lab_serves_the_index_notebook(lab):
    status, page = get(f"{lab}/lab/tree/notebooks/00-index.ipynb")
    assert status == 200
    assert b"JupyterLab" in page
    status, body = get(f"{lab}/api/contents/notebooks/00-index.ipynb")
    model = json.loads(body)
    assert model["type"] == "notebook"
    assert model["content"]["cells"][0]["source"].startswith("# 00 · Course index")
