"""How worker processes start: each start method's cost and limits (11-pools-in-depth).

fork copies the running parent; spawn starts a fresh interpreter that imports what it needs;
forkserver forks each worker from a small server process started with spawn. Every experiment
here runs a script in a fresh interpreter, so fork is safe (the parent has no threads yet),
nothing the workers print reaches the notebook, and a timeout ends them if they hang.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

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
except (BrokenProcessPool, ConnectionResetError) as error:  # the second: forkserver, 3.14+
    print(f"{type(error).__name__}: {error}")
"""

# A script that times starting a pool of workers, a tiny task for each, and stopping it.
STARTUP_SCRIPT = """
import multiprocessing, os, sys, time
from concurrent.futures import ProcessPoolExecutor
# HEAVY IMPORT


def square(n):
    return n * n


def start_and_stop(api, context, workers):
    if api == "ProcessPoolExecutor":
        with ProcessPoolExecutor(workers, mp_context=context) as executor:
            return list(executor.map(square, range(workers)))
    pool = context.Pool(workers)
    try:
        return pool.map(square, range(workers))
    finally:
        pool.close()  # let every worker finish starting, then end: no terminate()
        pool.join()


def children_cpu_s():
    times = os.times()
    return times.children_user + times.children_system


if __name__ == "__main__":
    method, workers, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    context = multiprocessing.get_context(method)
    for api in ("ProcessPoolExecutor", "multiprocessing.Pool"):
        runs, cpu_before = [], children_cpu_s()
        for _ in range(repeats):
            start = time.perf_counter()
            start_and_stop(api, context, workers)
            runs.append(time.perf_counter() - start)
        print(api, (children_cpu_s() - cpu_before) / repeats, *runs, sep="\t")
"""


@dataclass(frozen=True)
class StartupTiming(Timing):
    """The wall-clock times of starting and stopping a pool, and its workers' CPU per pool."""

    workers_cpu_s: float = 0.0


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


def run_python(args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    """Run this Python with args in a new process group; kill the whole group on timeout."""
    # plain tracebacks: a kernel may set FORCE_COLOR, and 3.13 colours them for the terminal
    env = {key: value for key, value in os.environ.items() if key != "FORCE_COLOR"}
    process = subprocess.Popen(
        [sys.executable, *args],
        env={**env, "PYTHON_COLORS": "0", "NO_COLOR": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        process_group=0 if os.name == "posix" else None,
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
    completed = run_python(["-c", MAIN_FUNCTION_SCRIPT, method, api, str(wait)], timeout)
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
        completed = run_python([str(script), method, str(wait)], timeout)
    lines = completed.stdout.strip().splitlines()
    if completed.returncode != 0 or not lines:
        raise RuntimeError(f"the experiment failed ({completed.returncode}): {completed.stderr}")
    # the child's RuntimeError: its message's first sentence, on the lines after the exception name
    found = re.search(r"^RuntimeError:\s*(.+?\.)\s", completed.stderr, re.MULTILINE | re.DOTALL)
    worker_error = f"RuntimeError: {' '.join(found.group(1).split())}" if found else None
    return MainFunctionTrial(method, "ProcessPoolExecutor", lines[-1], worker_error)


def pool_startup(
    method: str, workers: int, repeats: int = 3, heavy_import: bool = False, timeout: float = 120
) -> dict[str, StartupTiming]:
    """Seconds for each pool API to start, run one tiny task per worker and stop.

    Runs STARTUP_SCRIPT as a file in a new Python, as a script is run: under spawn each worker
    imports it again (and with heavy_import, NumPy with it). Each API's entry gives the runs'
    wall-clock times and the CPU seconds its worker processes used in all (spawn's and fork's;
    forkserver's workers are the fork server's children, not ours: 0).
    """
    _check_method(method)
    heavy = "import numpy  # a heavy import, as in a script that uses NumPy\n"
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "startup.py"
        script.write_text(STARTUP_SCRIPT.replace("# HEAVY IMPORT\n", heavy if heavy_import else ""))
        completed = run_python([str(script), method, str(workers), str(repeats)], timeout)
    if completed.returncode != 0:
        raise RuntimeError(f"the script failed ({completed.returncode}): {completed.stderr}")
    timings = {}
    for line in completed.stdout.splitlines():
        api, workers_cpu, *runs = line.split("\t")
        timings[api] = StartupTiming(tuple(float(run) for run in runs), float(workers_cpu))
    return timings
