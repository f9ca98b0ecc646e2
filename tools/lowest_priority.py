"""Run a command at the lowest CPU priority the system offers: `make test`'s lint and unit tests.

`make test` runs them beside the notebooks, whose timing claims need the CPUs to themselves. A
nice value alone does not give that on Linux: with autogroup scheduling (the default on most
desktops) CPU time is shared first between sessions, and every Jupyter kernel starts its own,
so a niced test suite in make's session still gets half the machine. The command therefore
runs in a session of its own whose group is niced too (/proc/self/autogroup), at nice 19 and in
the idle scheduling class where they exist; a descendant that starts a session of its own (a
Jupyter kernel does) has its group niced the moment it is seen. Ctrl-C and termination reach the
whole session.

    python -m tools.lowest_priority COMMAND [ARGUMENT...]
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import psutil

LOWEST_NICE = 19
WATCH_S = 0.05  # how often the descendants' session groups are looked at


def lower_this_process() -> None:
    """New session and autogroup, nice 19, idle class: each where the system has it."""
    os.setsid()
    try:
        with open("/proc/self/autogroup", "w") as autogroup:
            autogroup.write(str(LOWEST_NICE))
    except OSError:
        pass  # no autogroup scheduling here (not Linux, or switched off)
    os.nice(LOWEST_NICE - os.nice(0))
    if hasattr(os, "SCHED_IDLE"):
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


def nice_sessions_below(child: subprocess.Popen[bytes]) -> None:
    """Until child ends: put the autogroup of each of its descendants at the lowest priority."""
    try:
        root = psutil.Process(child.pid)
    except psutil.NoSuchProcess:
        return
    while child.poll() is None:
        for process in root.children(recursive=True):
            path = f"/proc/{process.pid}/autogroup"
            try:
                with open(path, encoding="ascii") as autogroup:
                    niced = autogroup.read().endswith(f" nice {LOWEST_NICE}\n")
                if not niced:
                    with open(path, "w", encoding="ascii") as autogroup:
                        autogroup.write(str(LOWEST_NICE))
            except OSError:
                pass  # gone, or no autogroups here
        time.sleep(WATCH_S)


def main(command: list[str]) -> int:
    """Run command at the lowest priority; its exit status."""
    if not command:
        sys.exit("usage: python -m tools.lowest_priority COMMAND [ARGUMENT...]")
    if not hasattr(os, "setsid"):  # Windows: run it as it is
        return subprocess.call(command)
    child = subprocess.Popen(command, preexec_fn=lower_this_process)
    threading.Thread(target=nice_sessions_below, args=(child,), daemon=True).start()

    def forward(signum: int, _frame: object) -> None:
        os.killpg(child.pid, signum)  # the session's group: the command and what it started

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, forward)
    return child.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
