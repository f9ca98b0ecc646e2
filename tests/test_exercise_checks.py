"""What some checks hold beyond what tests/test_exercises.py tests of every check, by notebook."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.manager import start_new_kernel
from solutions import answer_data, check_module, exercises, grade, notebook_path, solution

from helpers.exercises import Mistake, watchdog

why_asyncio = answer_data("why_asyncio")
event_loop = answer_data("event_loop")
tasks_and_gather = answer_data("tasks_and_gather")
cancellation_and_limits = answer_data("cancellation_and_limits")
capstone_crawler = answer_data("capstone_crawler")

# 01-why-asyncio


def test_a_missing_lock_loses_updates_every_time():
    """The race is made wide enough that a missing lock never slips through by luck."""
    notebook = notebook_path("why_asyncio")
    wrong = why_asyncio.wrong_answers["check_deposit_audited"]["no lock at all"]
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


def mistake_in_kernel(
    kernel: BlockingKernelClient, setup: str, answer: str, check: str
) -> tuple[str, list, float]:
    """Run the setup and the answer, then the check, which must raise a Mistake: its message."""
    for code in (setup, answer):
        assert run_cell(kernel, code, timeout=30)[0]["status"] == "ok"
    reply, outputs, seconds = run_cell(kernel, check, timeout=30)
    assert reply["status"] == "error" and reply["ename"] == "Mistake", reply
    assert [kind for kind, _ in outputs] == ["error"]
    return reply["evalue"], outputs, seconds


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
    message, _, seconds = mistake_in_kernel(
        kernel, setup, answer, "await check_run_elsewhere(globals())"
    )
    assert re.search(r"blocked the thread it was called on for 3 s.*this very thread", message)
    assert HANG_S <= seconds < HANG_S + 5
    reply, outputs, seconds = run_cell(
        kernel, "await asyncio.sleep(0.01)\nprint(sorted(set(threading.enumerate()) - threads))", 10
    )
    assert reply["status"] == "ok" and seconds < 5
    assert outputs == [("stream", {"name": "stdout", "text": "[]\n"})], "a watchdog left behind"


# 03-event-loop


def test_right_code_with_a_wrong_prediction_says_so_and_returns_no_true(capsys):
    """The red team's case: a sequential prediction, right code; no bare True under it."""
    code = solution("event_loop", "check_countdown").replace(
        '["a 3", "b 3", "a 2", "b 2", "a 1", "b 1"]', '["a 3", "a 2", "a 1", "b 3", "b 2", "b 1"]'
    )
    namespace = event_loop.notebook_namespace()
    assert grade(notebook_path("event_loop"), "check_countdown", code, namespace) is None
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].endswith(": not the same"), lines
    assert re.fullmatch(r"✓ your countdown is right: .*\. Your prediction was not: .*", lines[-1])


# 05-tasks-and-gather


def test_fetch_site_accepts_a_group_per_page(capsys):
    """Nested groups are structured too: the error comes out in a group inside a group."""
    code = """
async def fetch_site(root):
    pages = {}

    async def visit(url):
        pages[url] = await fetch_links(url)
        async with asyncio.TaskGroup() as group:
            for link in pages[url]:
                group.create_task(visit(link))

    await visit(root)
    return pages
"""
    namespace = tasks_and_gather.notebook_namespace()
    assert grade(notebook_path("tasks_and_gather"), "check_fetch_site", code, namespace) is True
    assert capsys.readouterr().out.startswith("✓")


@pytest.mark.parametrize(
    ("check", "mistake"),
    [
        ("check_fetch_site", "create_task outside the group: returns before the pages load"),
        ("check_fetch_site", "an Event set by the last page: a failure never sets it"),
        ("check_fastest", "the others left running"),
    ],
)
def test_a_caught_answer_leaves_no_task_of_its_own_running(check, mistake, monkeypatch):
    """The check cancels what the wrong answer left behind, before it reports the Mistake."""
    monkeypatch.setattr(watchdog, "HANG_S", 1.0)
    wrong = tasks_and_gather.wrong_answers[check][mistake]
    notebook = notebook_path("tasks_and_gather")
    code = wrong.source(next(e.solution for e in exercises(notebook) if e.check == check))

    async def graded() -> list[asyncio.Task]:
        namespace = tasks_and_gather.notebook_namespace()
        exec(compile(code, f"<answer to {check}>", "exec"), namespace)
        with pytest.raises(Mistake, match=wrong.says):
            await getattr(check_module(notebook), check)(namespace)
        await asyncio.sleep(0.05)  # a task the answer scheduled would have started by now
        return [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]

    assert asyncio.run(graded()) == []


# 06-cancellation-and-limits


def test_batches_are_caught_every_time():
    """Batches never pass by luck: item 2 cannot start before slow item 0 ends in a batch."""
    notebook = notebook_path("cancellation_and_limits")
    wrong = cancellation_and_limits.wrong_answers["check_gather_limited"]["batches of gather"]
    for _ in range(5):
        with pytest.raises(Mistake, match=wrong.says):
            grade(
                notebook,
                "check_gather_limited",
                wrong.code,
                cancellation_and_limits.notebook_namespace(),
            )


def test_serve_check_leaves_the_callers_request_id_as_it_was():
    namespace = cancellation_and_limits.notebook_namespace()
    answers = cancellation_and_limits.wrong_answers["check_serve"]
    code = answers["set before create_task, never reset"]
    with pytest.raises(Mistake):
        grade(notebook_path("cancellation_and_limits"), "check_serve", code.code, namespace)
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
    namespace = cancellation_and_limits.notebook_namespace()
    notebook = notebook_path("cancellation_and_limits")
    assert grade(notebook, "check_serve", code, namespace) is True
    assert capsys.readouterr().out.startswith("✓")


# 10-cpu-benchmark


@pytest.mark.timeout(90)
def test_an_error_in_the_answer_is_a_mistake_that_quotes_its_cells_line(kernel):
    """In a kernel, @self_check names the error and quotes the line of the cell it came from."""
    setup = "from helpers.exercises.cpu_benchmark import check_in_rounds"
    answer = (
        "def in_rounds(funcs, repeats):\n"
        "    results = {}\n"
        "    for _ in range(repeats):\n"
        "        for name, func in funcs.items():\n"
        "            results[name].append(func())\n"
        "    return results"
    )
    message, _, _ = mistake_in_kernel(kernel, setup, answer, "check_in_rounds(globals())")
    assert re.fullmatch(
        r"your code raised KeyError: '\w+' \(line 5 of in_rounds: "
        r"`results\[name\]\.append\(func\(\)\)`\)\. Fix that error, then run this check again",
        message,
    ), message


# 11-pools-in-depth


def test_fixed_script_accepts_set_start_method_under_the_guard(capsys):
    """The start method taken from the command line another way, with multiprocessing.Pool."""
    code = '''
FIXED_SCRIPT = """
import multiprocessing
import sys


def cube(n):
    return n * n * n


if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1])
    with multiprocessing.Pool(2) as pool:
        print(pool.map(cube, range(int(sys.argv[2]))))
"""
'''
    notebook = notebook_path("pools_in_depth")
    assert grade(notebook, "check_fixed_script", code, {}) is True
    assert capsys.readouterr().out.startswith("✓")


# 15-capstone-crawler


def test_a_bucket_that_lets_go_of_its_lock_while_it_sleeps_is_caught_every_time():
    """A newcomer overtakes the waiter whatever the timings: the waiter's timer is made late."""
    notebook = notebook_path("capstone_crawler")
    wrong = capstone_crawler.wrong_answers["check_token_bucket"][
        "the lock let go during the sleep, then a retry"
    ]
    for _ in range(3):
        with pytest.raises(Mistake, match=wrong.says):
            grade(notebook, "check_token_bucket", wrong.code, capstone_crawler.notebook_namespace())


def test_token_bucket_accepts_a_bucket_that_books_each_callers_slot_without_a_lock(capsys):
    """Each caller takes its token at once, into debt, and sleeps until it is paid: in order."""
    code = """
class TokenBucket:
    def __init__(self, rate, burst=1):
        self.rate, self.burst = rate, burst
        self._tokens, self._updated = float(burst), time.monotonic()

    async def acquire(self):
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
        self._updated = now
        self._tokens -= 1
        if self._tokens < 0:
            await asyncio.sleep(-self._tokens / self.rate)
"""
    namespace = capstone_crawler.notebook_namespace()
    assert grade(notebook_path("capstone_crawler"), "check_token_bucket", code, namespace) is True
    assert capsys.readouterr().out.startswith("✓")
