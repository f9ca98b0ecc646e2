"""What 09-choosing-a-model defines before its exercises, and named wrong answers to them."""

from solutions import NotApplicable, WrongAnswer, named, solution

from helpers.lessons.choose import choose_model
from helpers.server.process import SlowServer


def notebook_namespace() -> dict:
    """What 09-choosing-a-model defines before its exercises, and exercise 1's answer.

    Exercise 2's check uses the learner's measure_requests from exercise 1: the shown one here.
    """
    namespace = named(choose_model, SlowServer)
    exec(solution("choosing_a_model", "check_measure_requests"), namespace)
    return namespace


MEASURE = "check_measure_requests"
JUDGE = "check_slow_or_fast"
RETURN_LINE = "    return wall / n, cpu / n"

WRONG_ANSWERS = {
    MEASURE: {
        "a new session per request": WrongAnswer(
            """
import time
import aiohttp

async def measure_requests(url, n):
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            await response.read()
    return (time.perf_counter() - wall) / n, (time.process_time() - cpu) / n
""",
            says=r"10 connections opened for 10 requests: open one session and reuse it",
            kind="structure",
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
        "a figure expected, not measured": WrongAnswer.from_solution(
            RETURN_LINE,
            "    return 0.05, cpu / n  # about the latency",
            says=r"50\.0 ms per request, more than your call took per request",
            kind="luck",
        ),
        "wall-clock time reported as CPU time": WrongAnswer.from_solution(
            RETURN_LINE,
            "    return wall / n, wall / n",
            says=r"that is wall-clock time again\. A process's CPU time is time\.process_time\(\)",
            kind="other",
        ),
        "totals, not per request": WrongAnswer.from_solution(
            RETURN_LINE,
            "    return wall, cpu",
            says=r"are totals for 10 requests: divide both by n",
            kind="other",
        ),
        "the pair swapped, (cpu, wall)": WrongAnswer.from_solution(
            RETURN_LINE,
            "    return cpu / n, wall / n",
            says=r"the first is less than the server's 30 ms latency, the second more, so the "
            r"pair is swapped\. Return \(wall_s, cpu_s\)",
            kind="other",
        ),
        "only the wall-clock half": WrongAnswer.from_solution(
            RETURN_LINE,
            "    return wall / n, 0.0",
            says=r"no CPU time at all: read time\.process_time\(\) before and after",
            kind="half",
        ),
        "waits for a response that never comes": WrongAnswer(
            """
import asyncio
import time

async def measure_requests(url, n):
    wall, cpu = time.perf_counter(), time.process_time()
    answered = asyncio.Event()  # nothing ever sets it
    for _ in range(n):
        await answered.wait()
    return (time.perf_counter() - wall) / n, (time.process_time() - cpu) / n
""",
            says=r"measure_requests\(url, n\) was still waiting after",
            kind="hang",
        ),
    },
    JUDGE: {
        "a latency threshold instead of a judgement": WrongAnswer(
            """
def judge(wall_s, cpu_s, max_threads):
    return choose_model("io", slow_io=wall_s > 0.01)
""",
            says=r"judge\(0\.05, 0\.01, 20\) = 'asyncio'.* not the latency alone",
            kind="luck",
        ),
        "asyncio for all I/O": WrongAnswer(
            """
def judge(wall_s, cpu_s, max_threads):
    return "asyncio"
""",
            says=r"judge\(0\.05, 0\.01, 20\) = 'asyncio'.*no more than the 20 threads",
            kind="luck",
        ),
        "cpu ÷ wall, upside down": WrongAnswer(
            """
def judge(wall_s, cpu_s, max_threads):
    return choose_model("io", slow_io=cpu_s / wall_s > max_threads)
""",
            says=r"judge\(0\.002, 1e-05, 20\) = 'threads': 2 ms per request of which 10 µs",
            kind="other",
        ),
        "a threshold of 100 requests in flight, whatever the limit": WrongAnswer(
            """
def judge(wall_s, cpu_s, max_threads):
    return choose_model("io", slow_io=wall_s / cpu_s > 100)
""",
            says=r"judge\(0\.025, 0\.001, 20\) = 'threads'.*25 requests in flight, more than",
            kind="luck",
        ),
        "a fixed pool of 20, max_threads ignored": WrongAnswer(
            """
def judge(wall_s, cpu_s, max_threads):
    return choose_model("io", slow_io=wall_s / cpu_s > 20)
""",
            says=r"judge\(0\.3, 0\.001, 1000\) = 'asyncio'.*no more than the 1,000 threads",
            kind="structure",
        ),
        "the old two-argument judge": WrongAnswer(
            """
def judge(wall_s, cpu_s):
    return choose_model("io", slow_io=wall_s / cpu_s > 20)
""",
            says=r"judge takes the threads you are willing to run as its third argument",
            kind="other",
        ),
    },
}


# Kinds that no wrong answer here covers, with the reason they do not apply (issue 23).
NOT_APPLICABLE: NotApplicable = {
    MEASURE: {
        "bypass": "no library function or course helper returns a request's wall-clock and CPU "
        "time: the measurement is the exercise",
    },
    JUDGE: {
        "bypass": "choose_model is what judge is meant to call; nothing else returns the judgement",
        "half": "judge has one path: no error, cancellation or cleanup to leave out",
        "hang": "judge computes one division and waits for nothing (the check still runs it "
        "under the watchdog, and exercise 1's measure_requests has its own hang)",
    },
}
