"""How worker processes start: each start method's cost and limits (06-choosing-a-model).

fork copies the running parent; spawn starts a fresh interpreter that imports what it needs;
forkserver forks each worker from a small server process started with spawn. Both experiments
here run in a fresh interpreter, so fork is safe (the parent has no threads yet), nothing the
workers print reaches the notebook, and a timeout ends them if they hang.
"""

from __future__ import annotations

import gc
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from helpers.bench.cpu import results_from_report
from helpers.measure.timing import Timing

POOL_APIS = ("ProcessPoolExecutor", "multiprocessing.Pool")

# A worker function defined in __main__ of a process that has no main file, as in a notebook.
MAIN_FUNCTION_SCRIPT = """
import multiprocessing, sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool


def square(n):
    return n * n


method, api, wait = sys.argv[1], sys.argv[2], float(sys.argv[3])
context = multiprocessing.get_context(method)
if api == "ProcessPoolExecutor":
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            print("ok:", list(pool.map(square, range(4), timeout=wait)))
    except BrokenProcessPool as error:
        print(f"BrokenProcessPool: {error}")
else:
    with context.Pool(processes=1) as pool:
        try:
            print("ok:", pool.map_async(square, range(4)).get(timeout=wait))
        except multiprocessing.TimeoutError:
            print(f"no answer after {wait:g} s: the pool replaces each worker that dies, and waits")
"""


# A script that starts a pool without the `if __name__ == "__main__":` guard.
UNGUARDED_SCRIPT = """
import multiprocessing, sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from helpers.cpu.workloads import sum_of_squares

context = multiprocessing.get_context(sys.argv[1])
try:
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        print("ok:", list(pool.map(sum_of_squares, range(4), timeout=float(sys.argv[2]))))
except BrokenProcessPool as error:
    print(f"BrokenProcessPool: {error}")
"""


@dataclass(frozen=True)
class MainFunctionTrial:
    """What a pool did with a worker function defined in __main__."""

    method: str
    api: str
    outcome: str
    worker_error: str | None

    @property
    def ok(self) -> bool:
        """True if the pool returned the squares."""
        return self.outcome.startswith("ok:")


def _run_python(args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    """Run this Python with args in a new process group; kill the whole group on timeout."""
    # plain tracebacks: a kernel may set FORCE_COLOR, and 3.13 colours them for the terminal
    env = {key: value for key, value in os.environ.items() if key != "FORCE_COLOR"}
    process = subprocess.Popen(
        [sys.executable, *args],
        env={**env, "PYTHON_COLORS": "0", "NO_COLOR": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=os.name == "posix",
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        if os.name == "posix":
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
        process.communicate()
        raise TimeoutError(f"python {' '.join(args[:3])} took more than {timeout:g} s") from None
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def _check_method(method: str) -> None:
    import multiprocessing

    if method not in multiprocessing.get_all_start_methods():
        raise ValueError(
            f"start method {method!r} is not available here; "
            f"choose from {multiprocessing.get_all_start_methods()}"
        )


def try_function_from_main(
    method: str, api: str = "ProcessPoolExecutor", wait: float = 30, timeout: float = 120
) -> MainFunctionTrial:
    """Map a function defined in __main__ over a pool started by method.

    The pool waits up to `wait` seconds for its answer; the whole experiment is killed after
    `timeout` seconds. A worker's traceback is kept as its last error line, not printed.
    """
    _check_method(method)
    if api not in POOL_APIS:
        raise ValueError(f"api must be one of {POOL_APIS}, got {api!r}")
    completed = _run_python(["-c", MAIN_FUNCTION_SCRIPT, method, api, str(wait)], timeout)
    lines = completed.stdout.strip().splitlines()
    if completed.returncode != 0 or not lines:
        raise RuntimeError(f"the experiment failed ({completed.returncode}): {completed.stderr}")
    errors = [line for line in completed.stderr.splitlines() if "Error:" in line]
    worker_error = errors[-1].split(" on <module")[0] if errors else None
    return MainFunctionTrial(method, api, lines[-1], worker_error)


def try_without_main_guard(
    method: str, wait: float = 30, timeout: float = 120
) -> MainFunctionTrial:
    """Run a script that starts a pool at import, unguarded by __name__ == "__main__".

    The script is a file, as a script is: spawn and forkserver import it again in a child
    process. The pool waits up to `wait` seconds; the whole experiment is killed after `timeout`.
    A child's error is kept as its message's first line, not printed.
    """
    _check_method(method)
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "unguarded.py"
        script.write_text(UNGUARDED_SCRIPT)
        completed = _run_python([str(script), method, str(wait)], timeout)
    lines = completed.stdout.strip().splitlines()
    if completed.returncode != 0 or not lines:
        raise RuntimeError(f"the experiment failed ({completed.returncode}): {completed.stderr}")
    # the child's RuntimeError: its message's first sentence, on the lines after the exception name
    found = re.search(r"^RuntimeError:\s*(.+?\.)\s", completed.stderr, re.MULTILINE | re.DOTALL)
    worker_error = f"RuntimeError: {' '.join(found.group(1).split())}" if found else None
    return MainFunctionTrial(method, "ProcessPoolExecutor", lines[-1], worker_error)


def pool_startup(
    method: str, workers: int, repeats: int = 3, timeout: float = 120
) -> dict[str, Timing]:
    """Seconds for each pool API to start, run no real work and stop.

    Runs `python -m helpers.bench cpu` in a new process on the numbers 0 .. workers-1, whose
    work is instant, so the times are what starting and stopping the workers cost.
    """
    _check_method(method)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "startup.json"
        args = ["-m", "helpers.bench", "cpu", "--numbers", str(workers), "--start", "0"]
        args += ["--repeat", str(repeats), "--workers", str(workers), "--start-method", method]
        for api in POOL_APIS:
            args += ["--strategy", api]
        completed = _run_python([*args, "--json", str(path)], timeout)
        if completed.returncode != 0:
            raise RuntimeError(f"helpers.bench failed ({completed.returncode}): {completed.stderr}")
        report = json.loads(path.read_text())
    return {result.strategy: result.timing for result in results_from_report(report)}


def _wait_for_semaphores_to_close(timeout: float = 10) -> None:
    """Wait until no multiprocessing semaphore is left, or timeout seconds have passed.

    A closed pool's queues hold semaphores until the threads that fed them have ended and the
    garbage collector has freed them; stopping the resource tracker before then makes it report
    them as leaked, on the notebook's stderr.
    """
    from multiprocessing.synchronize import SemLock

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        gc.collect()
        if not any(isinstance(o, SemLock) for o in gc.get_objects()):
            return
        time.sleep(0.05)


def stop_services() -> None:
    """Stop the resource tracker and fork server that multiprocessing keeps.

    Spawn and forkserver start these helper processes on first use and keep them for the life
    of the process; stopping them leaves nothing running, and they start again when needed.
    """
    if sys.platform == "win32":
        return
    from multiprocessing import forkserver, resource_tracker

    _wait_for_semaphores_to_close()

    # multiprocessing has no public way to stop them; these private methods exist in 3.10 to 3.13
    # at least, and a Python without them keeps its services running
    for service in (forkserver._forkserver, resource_tracker._resource_tracker):
        stop = getattr(service, "_stop", None)
        if stop is not None:
            stop()
