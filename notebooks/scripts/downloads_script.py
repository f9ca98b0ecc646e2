"""A running asyncio program to look into from outside (03-event-loop).

From the course folder, start it, then in another terminal ask Python 3.14+ what it is doing:

    python notebooks/scripts/downloads_script.py
    python -m asyncio ps PID        # PID: the number the script prints
    python -m asyncio pstree PID

Its main task starts two named download tasks in a TaskGroup; each waits in fetch(). It prints
its process id once they wait, then runs until Ctrl-C, or for a minute at most.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import sys

PR_SET_PTRACER, PR_SET_PTRACER_ANY = 0x59616D61, -1  # from Linux's <linux/prctl.h>


async def fetch(url: str) -> None:
    """Stand for a slow request."""
    await asyncio.sleep(60)


async def download(number: int) -> None:
    """Download one page."""
    await fetch(f"/page/{number}")


async def main() -> None:
    """Start two downloads as named tasks, say so, and wait for them."""
    async with asyncio.TaskGroup() as group:
        for number in (1, 2):
            group.create_task(download(number), name=f"download {number}")
        await asyncio.sleep(0)  # the downloads start, and wait in fetch()
        print(f"downloading, PID {os.getpid()}", flush=True)


if __name__ == "__main__":
    if sys.platform == "linux":  # where Yama restricts ptrace (Ubuntu's default), let this
        # user's other processes read this one, as `setpriv --ptracer any` would
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C ends it quietly
        asyncio.run(main())
