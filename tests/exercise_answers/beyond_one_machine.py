"""What 12-beyond-one-machine defines before its exercises, and named wrong answers to them."""

import asyncio
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor

from aiohttp import web
from solutions import NotApplicable, WrongAnswer, named

from helpers.cpu.pools import default_context
from helpers.cpu.workloads import sum_of_squares
from helpers.exercises.beyond_one_machine import POOL


def notebook_namespace() -> dict:
    """What 12-beyond-one-machine defines before its exercises, as the exercises use it."""
    return named(
        asyncio, AsyncIterator, ProcessPoolExecutor, default_context, sum_of_squares, web, POOL=POOL
    )


# The shown solutions as learners write them (no type hints or comments): wrong answers change them.
SUMS = """
async def sums_in(pool, numbers):
    loop = asyncio.get_running_loop()
    futures = [loop.run_in_executor(pool, sum_of_squares, n) for n in numbers]
    return list(await asyncio.gather(*futures))
"""
PROCESS_POOL = "ProcessPoolExecutor(2, mp_context=default_context())"
POOLED = f"""
async def process_pool(app):
    app[POOL] = {PROCESS_POOL}
    yield
    await asyncio.to_thread(app[POOL].shutdown)
"""

WRONG_ANSWERS = {
    "check_sums_in": {
        "asyncio.to_thread": WrongAnswer(
            """
async def sums_in(pool, numbers):
    return list(await asyncio.gather(*(asyncio.to_thread(sum_of_squares, n) for n in numbers)))
""",
            says=r"this process spent [\d.]+ s of CPU during sums_in, against [\d.]+ s that the "
            r"sums need: it computed them itself.*asyncio.to_thread",
            kind="structure",
        ),
        "computed on the loop": WrongAnswer(
            """
async def sums_in(pool, numbers):
    return [sum_of_squares(n) for n in numbers]
""",
            says=r"it computed them itself\. A plain call runs on the loop",
            kind="structure",
        ),
        "the loop's default executor": WrongAnswer.from_solution(
            "run_in_executor(pool,",
            "run_in_executor(None,",
            says=r"it computed them itself.*run_in_executor\(None, \.\.\.\) run in this process",
            kind="structure",
        ),
        "pool.map, which blocks the loop while it waits": WrongAnswer(
            """
async def sums_in(pool, numbers):
    return list(pool.map(sum_of_squares, numbers))
""",
            says=r"the heartbeat ticked [01] times while sums_in ran: the loop was blocked",
            kind="structure",
        ),
        "each sum awaited before the next is sent": WrongAnswer(
            SUMS.replace(
                "    futures = [loop.run_in_executor(pool, sum_of_squares, n) for n in numbers]\n"
                "    return list(await asyncio.gather(*futures))",
                "    return [await loop.run_in_executor(pool, sum_of_squares, n) for n in numbers]",
            ),
            says=r"the pool never had more than 1 sum at a time, with 2 workers: each was awaited",
            kind="structure",
        ),
        "the sums in the order they finished": WrongAnswer(
            SUMS.replace(
                "list(await asyncio.gather(*futures))",
                "[await future for future in asyncio.as_completed(futures)]",
            ),
            says=r"the right sums in another order \(the order they finished\)",
            kind="luck",
        ),
        "the course benchmark's gather_in_executor": WrongAnswer(
            """
from helpers.bench.cpu import gather_in_executor

async def sums_in(pool, numbers):
    return await gather_in_executor(numbers, pool)
""",
            says=r"the answer calls helpers\.bench\.cpu\.gather_in_executor",
            kind="bypass",
        ),
    },
    "check_process_pool": {
        "the pool never shut down": WrongAnswer.from_solution(
            "    await asyncio.to_thread(app[POOL].shutdown)",
            "",
            says=r"after the app's clean-up the pool still took new tasks: it was never shut down",
            kind="half",
        ),
        "shutdown() on the loop's thread": WrongAnswer.from_solution(
            "await asyncio.to_thread(app[POOL].shutdown)",
            "app[POOL].shutdown()",
            says=r"the loop ran nothing: pool\.shutdown\(\) waited for the running sum on the "
            r"loop's own thread",
            kind="structure",
        ),
        "shutdown(wait=False), which does not wait for the workers": WrongAnswer.from_solution(
            "await asyncio.to_thread(app[POOL].shutdown)",
            "app[POOL].shutdown(wait=False)",
            says=r"worker process\(es\) still ran when the app's clean-up returned",
            kind="half",
        ),
        "a thread pool": WrongAnswer(
            "from concurrent.futures import ThreadPoolExecutor\n"
            + POOLED.replace(PROCESS_POOL, "ThreadPoolExecutor(2)"),
            says=r"the sums ran in this process: a ThreadPoolExecutor's threads",
            kind="structure",
        ),
        "one pool, made once, for every app": WrongAnswer(
            f"SHARED_POOL = {PROCESS_POOL}\n" + POOLED.replace(PROCESS_POOL, "SHARED_POOL"),
            says=r"GET /compute was answered 500: the pool at app\[POOL\] refused the sum",
            kind="structure",
        ),
        "no mp_context: the platform's default start method": WrongAnswer.from_solution(
            PROCESS_POOL,
            "ProcessPoolExecutor(2)",
            says=r"app\[POOL\] starts its workers with the platform's default start method \(\w+ "
            r"here\).*ProcessPoolExecutor\(2, mp_context=default_context\(\)\)",
            kind="structure",
        ),
        "a coroutine, not an async generator": WrongAnswer(
            POOLED.replace("    yield\n    await asyncio.to_thread(app[POOL].shutdown)\n", ""),
            says=r"process_pool is not an async generator",
            kind="other",
        ),
    },
}


# Kinds that no wrong answer here covers, with the reason they do not apply (issue 23).
NOT_APPLICABLE: NotApplicable = {
    "check_sums_in": {
        "half": "sums_in has one path: no error, cancellation or timeout is part of the exercise",
        "hang": "it waits only for the pool's futures, which always complete; an answer that "
        "blocks the loop instead (pool.map) is caught by the heartbeat, and the watchdog guards "
        "the call",
    },
    "check_process_pool": {
        "luck": "the check keeps a sum running when each app's clean-up starts, so no answer "
        "passes by the luck of an idle pool",
        "bypass": "neither aiohttp nor the course offers a ready-made cleanup context for a "
        "process pool (the course server's own is private, and not shown)",
        "hang": "the life of the app waits only for the pool's shutdown, which ends with the "
        "running sum; the watchdog guards the start and the clean-up",
    },
}
