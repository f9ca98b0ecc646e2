"""What 08-beyond-one-machine defines before its exercises, and named wrong answers to them."""

import asyncio
from concurrent.futures import ProcessPoolExecutor

from aiohttp import web
from solutions import WrongAnswer

from helpers.cpu.workloads import sum_of_squares
from helpers.exercises.beyond_one_machine import POOL


def notebook_namespace() -> dict:
    """What 08-beyond-one-machine defines before its exercises, as the exercises use it."""
    return {
        "asyncio": asyncio,
        "ProcessPoolExecutor": ProcessPoolExecutor,
        "sum_of_squares": sum_of_squares,
        "web": web,
        "POOL": POOL,
    }


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
        "the loop's default executor": WrongAnswer(
            """
async def sums_in(pool, numbers):
    loop = asyncio.get_running_loop()
    futures = [loop.run_in_executor(None, sum_of_squares, n) for n in numbers]
    return list(await asyncio.gather(*futures))
""",
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
    },
    "check_compute_handler": {
        "the sum computed in the handler, on the loop": WrongAnswer(
            """
async def compute(request):
    n = int(request.query["n"])
    return web.json_response({"n": n, "sum": sum_of_squares(n)})
""",
            says=r"this process spent [\d.]+ s of CPU while the server answered \([\d.]+ s with "
            r"the sums sent to the pool\), against [\d.]+ s "
            r"that the sums need: the handler computed them itself\. A plain call holds the loop",
            kind="structure",
        ),
        "asyncio.sleep(0) sprinkled around the sum": WrongAnswer(
            """
async def compute(request):
    n = int(request.query["n"])
    await asyncio.sleep(0)
    total = sum_of_squares(n)
    await asyncio.sleep(0)
    return web.json_response({"n": n, "sum": total})
""",
            says=r"the handler computed them itself.*asyncio\.sleep\(0\) before it lets other "
            r"requests run once, before the sum starts",
            kind="structure",
        ),
        "asyncio.to_thread for pure-Python work": WrongAnswer(
            """
async def compute(request):
    n = int(request.query["n"])
    total = await asyncio.to_thread(sum_of_squares, n)
    return web.json_response({"n": n, "sum": total})
""",
            says=r"the handler computed them itself.*asyncio\.to_thread.*holds the GIL",
            kind="structure",
        ),
        "the pool, waited for with result(), which blocks the loop": WrongAnswer(
            """
async def compute(request):
    n = int(request.query["n"])
    total = request.app[POOL].submit(sum_of_squares, n).result()
    return web.json_response({"n": n, "sum": total})
""",
            says=r"the median /ping took \d+ ms while the sums ran \(\d+ ms with the sums sent to "
            r"the pool\), against \d+ ms of CPU for one "
            r"sum: the loop was blocked",
            kind="structure",
        ),
        "the sum as text, not JSON": WrongAnswer(
            """
async def compute(request):
    n = int(request.query["n"])
    loop = asyncio.get_running_loop()
    total = await loop.run_in_executor(request.app[POOL], sum_of_squares, n)
    return web.Response(text=str(total))
""",
            says=r"the answer was not JSON",
            kind="other",
        ),
    },
}


# Kinds that no wrong answer here covers, with the reason they do not apply (issue 23).
NOT_APPLICABLE: dict[str, dict[str, str]] = {}
