"""What some checks hold beyond what tests/test_exercises.py tests of every check, by notebook."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from exercise_answers import tasks_and_gather, why_asyncio
from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.manager import start_new_kernel
from solutions import grade, notebook_path

from helpers.exercises import Mistake

# 01-why-asyncio


def test_a_missing_lock_loses_updates_every_time():
    """The race is made wide enough that a missing lock never slips through by luck."""
    notebook = notebook_path("why_asyncio")
    wrong = why_asyncio.WRONG_ANSWERS["check_deposit_audited"]["no lock at all"]
    for _ in range(10):
        with pytest.raises(Mistake, match=wrong.says):
            grade(notebook, "check_deposit_audited", wrong.code, why_asyncio.notebook_namespace())


# 02-coroutines

HANG_S = 3  # the watchdog's patience in the kernel below


@pytest.fixture
def kernel() -> Iterator[BlockingKernelClient]:
    """A Jupyter kernel of this environment's Python, as a learner's notebook runs in."""
    manager, client = start_new_kernel(kernel_name="python3")
    try:
        yield client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def run_cell(client: BlockingKernelClient, code: str, timeout: float) -> tuple[dict, list, float]:
    """Run one cell; its reply's content, its outputs (type and content), and its seconds."""
    outputs: list[tuple[str, dict[str, Any]]] = []

    def keep(message: dict[str, Any]) -> None:
        if message["msg_type"] in ("stream", "error", "execute_result"):
            outputs.append((message["msg_type"], message["content"]))

    began = time.monotonic()
    reply = client.execute_interactive(code, timeout=timeout, output_hook=keep)
    return reply["content"], outputs, time.monotonic() - began


@pytest.mark.timeout(90)
def test_a_deadlocked_run_elsewhere_is_a_mistake_and_the_kernel_lives_on(kernel):
    """run_coroutine_threadsafe(coro, the kernel's loop).result() no longer hangs the kernel."""
    setup = (
        "import asyncio, threading\n"
        "from helpers.exercises import watchdog\n"
        f"watchdog.HANG_S = {HANG_S}\n"
        "from helpers.exercises.coroutines import check_run_elsewhere\n"
        "threads = set(threading.enumerate())"
    )
    answer = (
        "def run_elsewhere(coroutine):\n"
        "    return asyncio.run_coroutine_threadsafe(coroutine, asyncio.get_event_loop()).result()"
    )
    for code in (setup, answer):
        assert run_cell(kernel, code, timeout=30)[0]["status"] == "ok"
    reply, outputs, seconds = run_cell(kernel, "await check_run_elsewhere(globals())", timeout=30)
    assert reply["status"] == "error" and reply["ename"] == "Mistake", reply
    assert re.search(
        r"blocked the thread it was called on for 3 s.*this very thread", reply["evalue"]
    )
    assert [kind for kind, _ in outputs] == ["error"]
    assert HANG_S <= seconds < HANG_S + 5
    reply, outputs, seconds = run_cell(
        kernel, "await asyncio.sleep(0.01)\nprint(sorted(set(threading.enumerate()) - threads))", 10
    )
    assert reply["status"] == "ok" and seconds < 5
    assert outputs == [("stream", {"name": "stdout", "text": "[]\n"})], "a watchdog left behind"


# 04-tasks-and-gather


def test_serve_check_leaves_the_callers_request_id_as_it_was():
    namespace = tasks_and_gather.notebook_namespace()
    code = tasks_and_gather.WRONG_ANSWERS["check_serve"]["set before create_task, never reset"]
    with pytest.raises(Mistake):
        grade(notebook_path("tasks_and_gather"), "check_serve", code.code, namespace)
    assert namespace["request_id"].get() == "-"


def test_serve_check_accepts_setting_before_create_task_with_a_reset(capsys):
    code = """
async def serve(request_ids):
    tasks = []
    for rid in request_ids:
        token = request_id.set(rid)
        tasks.append(asyncio.create_task(respond()))
        request_id.reset(token)
    await asyncio.gather(*tasks)
"""
    namespace = tasks_and_gather.notebook_namespace()
    assert grade(notebook_path("tasks_and_gather"), "check_serve", code, namespace) is True
    assert capsys.readouterr().out.startswith("✓")
