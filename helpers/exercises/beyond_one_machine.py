"""Self-checks for the exercises of notebook 08-beyond-one-machine.

Where the sums were computed is read from processor time, which a busy machine cannot fake:
`time.process_time()` counts the CPU time of every thread of this process, so work done on the
event loop or in a thread (`asyncio.to_thread`, the loop's default executor) shows up in it,
while work done in worker processes does not. The check measures, in the same call, what one
sum costs here as a control. Whether the loop stayed free is read from a count: the ticks a
heartbeat managed while the learner's coroutine ran. For the server's handler, the same
processor time, and the latency of cheap requests sent at a steady rate while the handler ran,
against what one sum costs.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import aiohttp
from aiohttp import web

from helpers.cpu.workloads import (
    article_numbers,
    sum_of_squares,
    sum_of_squares_closed,
    wrong_results,
)
from helpers.exercises import Mistake, answer, passed
from helpers.lessons.latency import LoadRun, probe_under_load

WORKERS = 2
NUMBERS = article_numbers(count=8, start=1_500_000)
TICK = 0.01  # seconds between heartbeat ticks
MIN_TICKS = 3  # a free loop ticks dozens of times during the sums; a blocked one at most once
MAX_CPU_SHARE = 0.25  # of the sums' CPU time that this process may spend sending and receiving
POOL = web.AppKey("pool", ProcessPoolExecutor)  # the process pool of exercise 2's application
HANDLER_N = 1_000_000  # each /compute request's sum: about 70 ms of CPU
HANDLER_REQUESTS = 4  # /compute requests, WORKERS at a time
# beyond a control run of a handler that sends its sums to the pool, measured in the same check
# (the server, the client and the probes all run in this process, and a busy machine stretches
# them alike): this process's extra CPU during the requests, as a share of what the sums need,
# and the median probe's extra latency, as a share of one sum's CPU time
MAX_HANDLER_CPU_SHARE = 0.5
MAX_PROBE_SHARE = 1 / 3


def _context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


async def _ticker(stop: asyncio.Event, ticks: list[float]) -> None:
    while not stop.is_set():
        ticks.append(time.perf_counter())
        await asyncio.sleep(TICK)


async def check_sums_in(namespace: Mapping[str, Any]) -> bool | None:
    """08-beyond-one-machine, exercise 1: sums_in(pool, numbers) computes in the process pool."""
    sums_in = answer(namespace, "sums_in", "async def sums_in(pool, numbers)")
    if sums_in is None:
        return None
    control_start = time.process_time()
    sum_of_squares(NUMBERS[0])  # what one sum costs this process, on this machine, right now
    per_sum = time.process_time() - control_start
    needed = per_sum * len(NUMBERS)
    with ProcessPoolExecutor(WORKERS, mp_context=_context()) as pool:
        list(pool.map(sum_of_squares, [0] * WORKERS))  # start the workers before measuring
        stop, ticks = asyncio.Event(), list[float]()
        beat = asyncio.create_task(_ticker(stop, ticks))
        await asyncio.sleep(0)
        began, cpu_began = time.perf_counter(), time.process_time()
        try:
            results = await sums_in(pool, NUMBERS)
        finally:
            cpu_spent = time.process_time() - cpu_began
            ended = time.perf_counter()
            stop.set()
            await beat
    if not isinstance(results, list) or wrong_results(NUMBERS, results):
        raise Mistake(
            f"sums_in returned {str(results)[:80]!r}: return the list of sums, in the order of "
            "numbers (await each future, or gather them)"
        )
    if cpu_spent > MAX_CPU_SHARE * needed:
        raise Mistake(
            f"this process spent {cpu_spent:.2f} s of CPU during sums_in, against {needed:.2f} s "
            "that the sums need: it computed them itself. A plain call runs on the loop, and "
            "asyncio.to_thread or run_in_executor(None, ...) run in this process's threads. "
            "Send them to the pool: loop.run_in_executor(pool, sum_of_squares, n)"
        )
    during = sum(began < tick < ended for tick in ticks)
    if during < MIN_TICKS:
        raise Mistake(
            f"the heartbeat ticked {during} times while sums_in ran: the loop was blocked. "
            "pool.map or future.result() wait without letting the loop run: await "
            "loop.run_in_executor(pool, ...) instead"
        )
    return passed(
        f"the sums are exact, this process spent {cpu_spent:.3f} s of CPU of the {needed:.2f} s "
        f"they need, and the heartbeat ticked {during} times meanwhile"
    )


async def _pong(request: web.Request) -> web.Response:
    return web.Response(text="pong")


async def _compute_in_pool(request: web.Request) -> web.Response:
    """The control: the sum sent to the app's pool while the loop serves others."""
    n = int(request.query["n"])
    total = await asyncio.get_running_loop().run_in_executor(request.app[POOL], sum_of_squares, n)
    return web.json_response({"n": n, "sum": total})


async def _requests_to(compute: Any, pool: ProcessPoolExecutor) -> tuple[LoadRun, float]:
    """Serve compute and /ping on 127.0.0.1 and load it; the run and this process's CPU time."""
    app = web.Application()
    app[POOL] = pool
    app.router.add_get("/compute", compute)
    app.router.add_get("/ping", _pong)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        base = f"http://127.0.0.1:{runner.addresses[0][1]}"
        async with aiohttp.ClientSession() as session:
            cpu_began = time.process_time()
            run = await probe_under_load(
                session,
                f"{base}/ping",
                f"{base}/compute?n={HANDLER_N}",
                requests=HANDLER_REQUESTS,
                concurrency=WORKERS,
            )
            return run, time.process_time() - cpu_began
    finally:
        await runner.cleanup()


async def check_compute_handler(namespace: Mapping[str, Any]) -> bool | None:
    """08-beyond-one-machine, exercise 2: the handler compute(request) sums in the app's pool."""
    compute = answer(namespace, "compute", "async def compute(request)")
    if compute is None:
        return None
    control_start = time.process_time()
    sum_of_squares(HANDLER_N)  # what one sum costs this process, on this machine, right now
    per_sum = time.process_time() - control_start
    needed = per_sum * HANDLER_REQUESTS
    with ProcessPoolExecutor(WORKERS, mp_context=_context()) as pool:
        list(pool.map(sum_of_squares, [0] * WORKERS))  # start the workers before measuring
        control, control_cpu = await _requests_to(_compute_in_pool, pool)
        try:
            run, cpu_spent = await _requests_to(compute, pool)
        except aiohttp.ContentTypeError:
            raise Mistake(
                'the answer was not JSON: return web.json_response({"n": n, "sum": total})'
            ) from None
        except aiohttp.ClientResponseError as exc:
            raise Mistake(
                f"GET /compute?n={HANDLER_N} was answered with status {exc.status}: the handler "
                "raised an exception (its traceback is printed above). Read n with "
                'int(request.query["n"]) and the pool with request.app[POOL]'
            ) from None
    sums = [body.get("sum") if isinstance(body, dict) else body for body in run.answers]
    if sums != [sum_of_squares_closed(HANDLER_N)] * HANDLER_REQUESTS:
        raise Mistake(
            f"the handler answered {str(run.answers[0])[:80]!r}: answer "
            'web.json_response({"n": n, "sum": total}), where total is sum_of_squares(n)'
        )
    if cpu_spent - control_cpu > MAX_HANDLER_CPU_SHARE * needed:
        raise Mistake(
            f"this process spent {cpu_spent:.2f} s of CPU while the server answered "
            f"({control_cpu:.2f} s with the sums sent to the pool), against "
            f"{needed:.2f} s that the sums need: the handler computed them itself. A plain call "
            "holds the loop for the whole sum, and an await asyncio.sleep(0) before it lets "
            "other requests run once, before the sum starts, not during it. asyncio.to_thread "
            "and run_in_executor(None, ...) run it in a thread of this process, where pure-Python "
            "work holds the GIL. Send it to the pool: await "
            "asyncio.get_running_loop().run_in_executor(request.app[POOL], sum_of_squares, n)"
        )
    if run.median - control.median > MAX_PROBE_SHARE * per_sum:
        raise Mistake(
            f"the median /ping took {run.median * 1000:.0f} ms while the sums ran "
            f"({control.median * 1000:.0f} ms with the sums sent to the pool), against "
            f"{per_sum * 1000:.0f} ms of CPU for one sum: the loop was blocked while the pool "
            "computed. pool.submit(...).result() waits without letting the loop run: await "
            "loop.run_in_executor(request.app[POOL], sum_of_squares, n) instead"
        )
    return passed(
        f"the sums are exact, this process spent {cpu_spent:.3f} s of CPU of the {needed:.2f} s "
        f"they need, and the median /ping took {run.median * 1000:.1f} ms meanwhile"
    )
