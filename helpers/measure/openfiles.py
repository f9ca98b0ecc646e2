"""The open-file limit: raise the soft limit to the hard one where allowed.

Every socket is a file descriptor, and the operating system caps how many a process may hold:
macOS's default soft limit is 256, Linux's often 1,024, and in a container the hard limit itself
may be 256, which no process can raise. The notebooks keep to about 200 sockets a process; the
benchmark command and the server raise their own limit with `raise_open_file_limit`.
"""

from __future__ import annotations

import sys


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
