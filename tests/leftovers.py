"""What a test or a notebook may leave running: nothing but multiprocessing's own services."""

from __future__ import annotations

import psutil

# Processes multiprocessing keeps for the life of the process that started them, by design: the
# resource tracker (spawn and forkserver) and the fork server (forkserver, Linux's default start
# method from Python 3.14). They end with their parent.
SERVICES = (
    "multiprocessing.resource_tracker import main",
    "multiprocessing.forkserver import main",
)


def is_service(process: psutil.Process) -> bool:
    """Whether the process is one of multiprocessing's own services."""
    try:
        command = " ".join(process.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False
    return any(service in command for service in SERVICES)


def leftover_processes(grace: float = 5.0) -> list[psutil.Process]:
    """Child processes still running after grace seconds, multiprocessing's services aside."""
    me = psutil.Process()
    services = [p for p in me.children() if is_service(p)]
    leftovers = [p for p in me.children(recursive=True) if p not in services]
    return psutil.wait_procs(leftovers, timeout=grace)[1]
