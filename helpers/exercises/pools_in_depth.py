"""Self-checks for the exercises of notebook 11-pools-in-depth."""

from __future__ import annotations

import ast
import multiprocessing
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from helpers.cpu.startmethods import run_python
from helpers.exercises import Mistake, answer, passed, self_check

COUNTS = (6, 9)  # the script is run for both: an answer that prints one list by heart fails
SCRIPT_S = 8.0  # seconds a run of the script may take before it counts as hung
GUARD = 'if __name__ == "__main__":'
POOL_MADE = "a pool made on import:"
# Run as `python -c IMPORTED FILE METHOD COUNT`: import the script as a worker does, under the
# name __mp_main__, with every pool's __init__ replaced by one that says so and exits.
IMPORTED = f"""
import concurrent.futures, multiprocessing.pool, os, runpy, sys

def made(self, *args, **kwargs):
    print({POOL_MADE!r}, type(self).__name__, flush=True)
    os._exit(3)

concurrent.futures.ProcessPoolExecutor.__init__ = made
multiprocessing.pool.Pool.__init__ = made
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__mp_main__")
"""
STARTED = "a process started by:"
# Run as `python -c OBSERVED FILE METHOD COUNT`: run the script as `python FILE METHOD COUNT`
# does, but its first process says which start method starts it, and the script ends there.
OBSERVED = f"""
import multiprocessing, multiprocessing.process, os, runpy, sys

def start(self):
    method = getattr(self, "_start_method", None) or multiprocessing.get_start_method()
    print({STARTED!r}, method, flush=True)
    os._exit(0)

multiprocessing.process.BaseProcess.start = start
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def _methods() -> list[str]:
    """The start methods that import the script again: spawn, and forkserver where there is one."""
    return [m for m in ("spawn", "forkserver") if m in multiprocessing.get_all_start_methods()]


def _read(script: str) -> ast.Module:
    """The answer's syntax tree; a Mistake if it is not a script or chooses fork."""
    if not isinstance(script, str):
        raise Mistake(f"FIXED_SCRIPT is a {type(script).__name__}: make it the script's text")
    try:
        tree = ast.parse(script)
    except SyntaxError as error:
        raise Mistake(f"FIXED_SCRIPT is not valid Python: {error}") from None
    strings = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)}
    called = {
        n.func.attr if isinstance(n.func, ast.Attribute) else getattr(n.func, "id", "")
        for n in ast.walk(tree)
        if isinstance(n, ast.Call)
    }
    if "fork" in strings:
        raise Mistake(
            "the script chooses its own start method: fork would hide the problem on Linux, but "
            "there is no fork on Windows, and macOS and Python 3.14 default to others. Keep "
            "get_context(sys.argv[1]) and make the script safe under every method"
        )
    functions = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    if "cube" not in functions:
        raise Mistake(
            "cube is not defined at the top of the script: a worker imports the script as "
            "__mp_main__, where the guarded block does not run, and must find cube outside it"
        )
    if "ProcessPoolExecutor" not in called and "Pool" not in called:
        raise Mistake("the script no longer starts a pool: keep the pool, and fix how it starts")
    return tree


def _diagnose(stderr: str) -> str:
    """What went wrong, from the last error line of the script's (or its workers') stderr."""
    if "bootstrapping phase" in stderr:
        return (
            "a worker (or 3.14's fork server) imported the script, and the import started a "
            f"pool of its own: put the code that starts the pool under `{GUARD}`"
        )
    if "Can't get attribute 'cube'" in stderr or "has no attribute 'cube'" in stderr:
        return (
            "the workers could not find cube: they import the script as __mp_main__, where the "
            "guarded block does not run; define cube outside the guard"
        )
    if "context has already been set" in stderr:
        return (
            "each worker imports the script (as __mp_main__) and calls set_start_method again, "
            "which raises 'context has already been set': call it only under the guard, or "
            "pass get_context(sys.argv[1]) to the pool"
        )
    if "pickle" in stderr.lower():
        return "the pool could not pickle the function: a lambda or a nested function cannot go"
    errors = [line for line in stderr.splitlines() if re.match(r"^\w+(Error|Exception|Pool)", line)]
    return f"it failed with {errors[-1] if errors else 'no error message'}"


def _makes_no_pool_on_import(path: Path, method: str) -> None:
    """Raise the Mistake if importing the script as a worker does (__mp_main__) makes a pool."""
    imported = run_python(["-c", IMPORTED, str(path), method, str(COUNTS[0])], SCRIPT_S)
    lines = [line for line in imported.stdout.splitlines() if line.startswith(POOL_MADE)]
    if lines:
        raise Mistake(
            f"imported as a worker imports it (__name__ is '__mp_main__'), the script makes a "
            f"{lines[0].split()[-1]}: it works only because a ProcessPoolExecutor starts no "
            "process before its first task, so each worker makes an idle pool of its own. Put "
            f"the code that makes the pool under `{GUARD}`, with the print"
        )


def _uses_the_method_given(path: Path, methods: list[str]) -> None:
    """Raise the Mistake if the script starts its processes with another method than it is given."""
    for method in methods:
        try:
            run = run_python(["-c", OBSERVED, str(path), method, str(COUNTS[0])], SCRIPT_S)
        except TimeoutError:
            continue  # it ran within SCRIPT_S before: no verdict from a starved machine
        used = [line.split()[-1] for line in run.stdout.splitlines() if line.startswith(STARTED)]
        if used and used[0] != method:
            raise Mistake(
                f"python cubes.py {method} {COUNTS[0]} started its workers with {used[0]}, not "
                f"{method}: the script chooses its own start method. Keep taking it from the "
                "command line, get_context(sys.argv[1]), so that it runs under every method"
            )


@self_check
def check_fixed_script(namespace: Mapping[str, Any]) -> bool | None:
    """11-pools-in-depth, exercise 2: FIXED_SCRIPT runs its pool under spawn and forkserver.

    Requires: the script's text, run as a file with `python FILE METHOD COUNT`, prints the cubes
    of range(COUNT) under spawn and forkserver, for two counts; it still defines cube at its top
    and starts a pool; it never names fork, and its pool's processes start with the method it
    is given on the command line (each method, seen as the first process starts); it ends
    within SCRIPT_S seconds; imported as a worker imports it (as __mp_main__), it makes no pool
    at all (a ProcessPoolExecutor starts no process until its first task, so one made in each
    worker goes unseen).
    """
    script = answer(namespace, "FIXED_SCRIPT", "FIXED_SCRIPT (the fixed script's text)")
    _read(script)
    methods = _methods()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cubes.py"
        path.write_text(script)
        for method in methods:
            for count in COUNTS:
                run = f"python cubes.py {method} {count}"
                try:
                    completed = run_python([str(path), method, str(count)], SCRIPT_S)
                except TimeoutError:
                    raise Mistake(
                        f"{run} was still running after {SCRIPT_S:g} s: a multiprocessing.Pool "
                        "whose workers die (they cannot find cube, or start pools of their own) "
                        "replaces them and waits forever"
                    ) from None
                lines = completed.stdout.strip().splitlines()
                want = str([n**3 for n in range(count)])
                if completed.returncode == 0 and lines and lines[-1] == want:
                    continue
                got = lines[-1] if lines else "nothing"
                if completed.returncode == 0 and not completed.stderr.strip():
                    raise Mistake(f"{run} printed {got}, not {want}: print the pool's results")
                raise Mistake(f"{run} printed {got}, not {want}: {_diagnose(completed.stderr)}")
        _makes_no_pool_on_import(path, methods[0])
        _uses_the_method_given(path, methods)
    return passed(
        f"the script prints the cubes under {' and '.join(methods)}, for {len(COUNTS)} counts: "
        "its workers import it, find cube and start no pool of their own"
    )
