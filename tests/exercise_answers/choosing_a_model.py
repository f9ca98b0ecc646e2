"""What 06-choosing-a-model defines before its exercises, and named wrong answers to them."""

from solutions import WrongAnswer, solution

from helpers.lessons.choose import choose_model
from helpers.server.process import SlowServer


def notebook_namespace() -> dict:
    """What 06-choosing-a-model defines before its exercises, and exercise 1's answer.

    Exercise 2's check uses the learner's measure_requests from exercise 1: the shown one here.
    """
    namespace = {"choose_model": choose_model, "SlowServer": SlowServer, "POOL": 20}
    exec(solution("choosing_a_model", "check_measure_requests"), namespace)
    return namespace


WRONG_ANSWERS = {
    "check_measure_requests": {
        "wall-clock time reported as processor time": WrongAnswer(
            """
import time
import aiohttp

async def measure_requests(url, n):
    async with aiohttp.ClientSession() as session:
        began = time.perf_counter()
        for _ in range(n):
            async with session.get(url) as response:
                await response.read()
        wall = (time.perf_counter() - began) / n
    return wall, wall
""",
            says=r"that is wall-clock time again\. A process's processor time is "
            r"time\.process_time\(\)",
            kind="other",
        ),
        "totals, not per request": WrongAnswer(
            """
import time
import aiohttp

async def measure_requests(url, n):
    async with aiohttp.ClientSession() as session:
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(n):
            async with session.get(url) as response:
                await response.read()
    return time.perf_counter() - wall, time.process_time() - cpu
""",
            says=r"are totals for 20 requests: divide both by n",
            kind="other",
        ),
        "requests gathered, so the waits overlap": WrongAnswer(
            """
import asyncio
import time
import aiohttp

async def measure_requests(url, n):
    async def one(session):
        async with session.get(url) as response:
            await response.read()

    async with aiohttp.ClientSession() as session:
        wall, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(one(session) for _ in range(n)))
        return (time.perf_counter() - wall) / n, (time.process_time() - cpu) / n
""",
            says=r"the server held \d+ requests at once: send them one after another",
            kind="structure",
        ),
    },
    "check_slow_or_fast": {
        "a latency threshold instead of a judgement": WrongAnswer(
            """
def judge(wall_s, cpu_s):
    return choose_model("io", slow_io=wall_s > 0.01)
""",
            says=r"judge\(0\.05, 0\.01\) = 'asyncio'.* not the latency alone",
            kind="luck",
        ),
        "cpu ÷ wall, upside down": WrongAnswer(
            """
def judge(wall_s, cpu_s):
    return choose_model("io", slow_io=cpu_s / wall_s > POOL)
""",
            says=r"judge\(0\.002, 1e-05\) = 'threads': 2 ms per request of which 10 µs computing",
            kind="other",
        ),
        "asyncio for all I/O": WrongAnswer(
            """
def judge(wall_s, cpu_s):
    return "asyncio"
""",
            says=r"judge\(0\.05, 0\.01\) = 'asyncio'.*fewer than a pool's 20 threads",
            kind="luck",
        ),
    },
}


# Kinds that no wrong answer here covers, with the reason they do not apply (issue 23).
NOT_APPLICABLE: dict[str, dict[str, str]] = {}
