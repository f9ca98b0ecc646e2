"""The server's /compute route: a sum on its loop, in a thread or processes (12-beyond-one-machine).

``/compute?n=N&where=loop|thread|pool`` computes ``sum_of_squares(N)`` (the course's CPU work,
from helpers.cpu.workloads) and answers ``{"n": N, "where": ..., "sum": ..., "cpu_s": ...}``,
where ``cpu_s`` is the processor time the sum took in the thread that ran it:

- ``loop`` (the default) runs it in the handler, on the server's event loop, which can do
  nothing else meanwhile;
- ``thread`` runs it with ``asyncio.to_thread``: the loop is free, but on a build with a GIL
  the sum holds the GIL, which the loop's thread must win back for every step it takes;
- ``pool`` runs it with ``loop.run_in_executor`` in a pool of COMPUTE_WORKERS processes, all
  started on the first such request (with forkserver where the system has it, else spawn) and
  shut down by the app's cleanup context, in a thread, so that the loop is not held while a
  running sum finishes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor

from aiohttp import web

from helpers.cpu.pools import default_context
from helpers.cpu.workloads import sum_of_squares, timed_sum_of_squares

WHERES = ("loop", "thread", "pool")
COMPUTE_WORKERS = 2  # processes in the server's pool for where=pool
MAX_COMPUTE_N = 100_000_000  # largest n: about 10 s of CPU


class _LazyPool:
    """The server's process pool, started on first use."""

    def __init__(self) -> None:
        self.executor: ProcessPoolExecutor | None = None

    def get(self) -> ProcessPoolExecutor:
        if self.executor is None:
            context = default_context()
            self.executor = ProcessPoolExecutor(COMPUTE_WORKERS, mp_context=context)
            for _ in range(COMPUTE_WORKERS):  # start every worker now, not one per busy moment
                self.executor.submit(sum_of_squares, 0)
        return self.executor

    def shutdown(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None


_POOL = web.AppKey("compute_pool", _LazyPool)


async def compute(request: web.Request) -> web.Response:
    """GET /compute?n=N&where=loop|thread|pool: the sum, and the CPU time it took, as JSON."""
    where = request.query.get("where", "loop")
    if where not in WHERES:
        raise web.HTTPBadRequest(text=f"where must be one of {', '.join(WHERES)}\n")
    try:
        n = int(request.query.get("n", ""))
    except ValueError:
        n = -1
    if not 0 <= n <= MAX_COMPUTE_N:
        raise web.HTTPBadRequest(text=f"n must be an integer from 0 to {MAX_COMPUTE_N:_}\n")
    if where == "loop":
        # no await: the loop serves no other request until the sum returns
        total, cpu_s = timed_sum_of_squares(n)
    elif where == "thread":
        total, cpu_s = await asyncio.to_thread(timed_sum_of_squares, n)
    else:
        pool = request.app[_POOL].get()  # the server's process pool
        loop = asyncio.get_running_loop()
        total, cpu_s = await loop.run_in_executor(pool, timed_sum_of_squares, n)
    return web.json_response({"n": n, "where": where, "sum": total, "cpu_s": cpu_s})


async def _compute_pool(app: web.Application) -> AsyncIterator[None]:
    """The app's cleanup context: a pool started on first use, shut down off the loop."""
    app[_POOL] = _LazyPool()
    yield
    await asyncio.to_thread(app[_POOL].shutdown)  # waits for a running sum in a thread


def add_compute_route(app: web.Application) -> None:
    """Add /compute to app, with a process pool that stops when the app is cleaned up."""
    app.router.add_get("/compute", compute)
    app.cleanup_ctx.append(_compute_pool)
