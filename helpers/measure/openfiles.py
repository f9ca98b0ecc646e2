"""The open-file limit: raise it where allowed, fit connection counts under it (05-aiohttp).

Every socket is a file descriptor, and the operating system caps how many a process may hold:
macOS's default soft limit is 256, Linux's often 1,024, and in a container the hard limit itself
may be 256, which no process can raise. A demo that opens more connections than that fails with
"Too many open files", so the course asks `cap_connections` first.
"""

from __future__ import annotations

import sys
from typing import TextIO

RESERVE = 32  # descriptors kept free for the event loop, pipes, files and the server's answers


def raise_open_file_limit() -> int | None:
    """Raise the soft open-file limit to the hard one; return it, None on Windows."""
    if sys.platform == "win32":
        return None  # no per-process limit on sockets to raise
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    # macOS refuses a soft limit above OPEN_MAX (10240), even when the hard limit is unlimited
    target = min(hard, 10240) if sys.platform == "darwin" else hard
    if soft == resource.RLIM_INFINITY or (soft >= target and target != resource.RLIM_INFINITY):
        return soft
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ValueError, OSError):
        return soft
    return target


def connections_allowed(wanted: int) -> int:
    """wanted, or fewer: as many sockets as this process may still open, less RESERVE."""
    if wanted < 1:
        raise ValueError(f"wanted must be at least 1, got {wanted}")
    limit = raise_open_file_limit()
    if limit is None or limit < 0:  # Windows, or RLIM_INFINITY
        return wanted
    import psutil  # imported here: process-pool workers import helpers and stay light

    room = limit - psutil.Process().num_fds() - RESERVE
    return max(1, min(wanted, room))


def cap_connections(wanted: int, what: str, file: TextIO | None = None) -> int:
    """connections_allowed(wanted), saying so on file (stdout) when it is fewer."""
    allowed = connections_allowed(wanted)
    if allowed < wanted:
        print(
            f"note: {what} capped at {allowed:,} instead of {wanted:,}: this process may hold "
            f"{raise_open_file_limit():,} open files in all (`ulimit -n`)",
            file=file or sys.stdout,
        )
    return allowed
