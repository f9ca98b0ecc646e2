"""Many requests at once from a child process with a low open-file limit (07-aiohttp).

`python -m helpers.lessons.burst URL --requests N --limit C [--semaphore S] --open-files F`
lowers its own soft RLIMIT_NOFILE to F (never the hard limit, never another process's), sends
N GETs of URL/json/0 to URL/json/N-1 at once on one ClientSession with TCPConnector(limit=C),
where 0 means no limit, optionally each behind an asyncio.Semaphore(S), and prints how many
requests ended in each way, as JSON. burst() runs it and returns those counts. POSIX only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import json
import subprocess
import sys
from collections import Counter
from contextlib import AbstractAsyncContextManager

import aiohttp

from helpers.bench.commands import at_least

TOO_MANY_OPEN_FILES = "Too many open files"


async def outcome(
    session: aiohttp.ClientSession, url: str, gate: AbstractAsyncContextManager[object]
) -> str:
    """How one GET ended: "ok", "HTTP <status>", "Too many open files" or the error's name."""
    async with gate:  # a Semaphore, or a gate that never closes
        try:
            async with session.get(url) as response:
                await response.read()
                return "ok" if response.status == 200 else f"HTTP {response.status}"
        except (aiohttp.ClientError, OSError) as exc:
            if getattr(exc, "errno", None) == errno.EMFILE:  # no file descriptor left
                return TOO_MANY_OPEN_FILES
            return type(exc).__name__


async def all_at_once(base_url: str, requests: int, limit: int, semaphore: int) -> dict[str, int]:
    """Start every GET at once on one session of `limit` connections (0: no limit); count ends."""
    gate = asyncio.Semaphore(semaphore) if semaphore else contextlib.nullcontext()
    connector = aiohttp.TCPConnector(limit=limit)
    async with aiohttp.ClientSession(connector=connector) as session:
        urls = [f"{base_url}/json/{n}" for n in range(requests)]
        outcomes = await asyncio.gather(*(outcome(session, url, gate) for url in urls))
    return dict(Counter(outcomes).most_common())


def lower_open_file_limit(files: int) -> None:
    """Lower this process's soft limit on open files (the hard limit stays as it is)."""
    import resource  # POSIX only

    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (files, hard))


def burst(
    base_url: str,
    requests: int,
    *,
    limit: int,
    semaphore: int = 0,
    open_files: int = 64,
    timeout_s: float = 120,
) -> dict[str, int]:
    """Outcome counts of `requests` GETs at once in a child limited to open_files."""
    if sys.platform == "win32":
        raise RuntimeError("burst needs POSIX resource limits; Windows has none for sockets")
    command = [sys.executable, "-m", "helpers.lessons.burst", base_url, "--requests", str(requests)]
    command += ["--limit", str(limit), "--semaphore", str(semaphore)]
    command += ["--open-files", str(open_files)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s)
    if done.returncode != 0:
        raise RuntimeError(f"the burst failed: {done.stderr.strip()}")
    return json.loads(done.stdout)


def main(argv: list[str] | None = None) -> None:
    """Command line: lower this process's open-file limit, burst, print counts."""
    parser = argparse.ArgumentParser(prog="python -m helpers.lessons.burst", description=__doc__)
    parser.add_argument("url", help="base URL of the slow server, http://127.0.0.1:PORT")
    parser.add_argument("--requests", type=at_least(1), default=1000, metavar="N")
    parser.add_argument("--limit", type=at_least(0), default=100, metavar="C")
    parser.add_argument("--semaphore", type=at_least(0), default=0, metavar="S")
    parser.add_argument("--open-files", type=at_least(16), default=64, metavar="F")
    args = parser.parse_args(argv)
    import resource  # POSIX only

    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and args.open_files > hard:
        parser.error(f"argument --open-files: the hard limit here is {hard}")
    lower_open_file_limit(args.open_files)
    counts = asyncio.run(all_at_once(args.url, args.requests, args.limit, args.semaphore))
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
