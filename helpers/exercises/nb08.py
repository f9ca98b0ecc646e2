"""Self-checks for the exercises of notebook 08-beyond-one-machine.

Where the sums were computed is read from processor time, which a busy machine cannot fake:
`time.process_time()` counts the CPU time of every thread of this process, so work done on the
event loop or in a thread (`asyncio.to_thread`, the loop's default executor) shows up in it,
while work done in worker processes does not. The check measures, in the same call, what one
sum costs here as a control. Whether the loop stayed free is read from a count: the ticks a
heartbeat managed while the learner's coroutine ran.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from helpers.cpu.workloads import article_numbers, sum_of_squares, wrong_results
from helpers.exercises import Mistake, answer, passed

WORKERS = 2
NUMBERS = article_numbers(count=8, start=1_500_000)
TICK = 0.01  # seconds between heartbeat ticks
MIN_TICKS = 3  # a free loop ticks dozens of times during the sums; a blocked one at most once
MAX_CPU_SHARE = 0.25  # of the sums' CPU time that this process may spend sending and receiving


def _context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


async def _ticker(stop: asyncio.Event, ticks: list[float]) -> None:
    while not stop.is_set():
        ticks.append(time.perf_counter())
        await asyncio.sleep(TICK)


async def check_sums_in(namespace: Mapping[str, Any]) -> bool:
    """08-beyond-one-machine, exercise 1: sums_in(pool, numbers) computes in the process pool."""
    sums_in = answer(namespace, "sums_in", "async def sums_in(pool, numbers)")
    if sums_in is None:
        return False
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
