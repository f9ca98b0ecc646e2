"""Self-checks for the exercises of notebook 06-choosing-a-model.

The exercises ask for a measurement and a judgement built on it: how much processor time one
request costs this process, how long it takes from end to end, and so how many requests must be
in flight to keep the processor busy (Little's law). The checks grade the measurement with
counts and bounds that physics sets (a request cannot take less than the server's latency; the
processor time this process spent bounds the one reported), and the judgement on cases chosen
to separate it from a latency threshold, then on fresh measurements made with the learner's own
function.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import aiohttp

from helpers.exercises import Mistake, answer, passed
from helpers.lessons.choose import choose_model
from helpers.server.process import SlowServer

POOL = 20  # the thread pool of section 2: what threads offer
SERVICES = {"cache": 0.0, "api": 0.2}  # two servers the judgement is tried on, and their latency
# (wall s, cpu s) per request, and why the judgement must go the way it does
JUDGEMENTS = [
    (0.05, 0.01, "50 ms per request of which 10 ms computing"),
    (0.002, 0.00001, "2 ms per request of which 10 µs computing"),
    (0.3, 0.001, "300 ms per request of which 1 ms computing"),
]


async def _server_counts(base_url: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session, session.get(f"{base_url}/stats") as response:
        return await response.json()


async def check_measure_requests(namespace: Mapping[str, Any]) -> bool | None:
    """06-choosing-a-model, exercise 1: measure_requests(url, n) -> (wall, cpu) per request."""
    measure_requests = answer(namespace, "measure_requests", "async def measure_requests(url, n)")
    if measure_requests is None:
        return None
    n, latency = 20, 0.05
    async with SlowServer(latency=latency) as server:
        began, cpu_began = time.perf_counter(), time.process_time()
        measured = await measure_requests(f"{server.url}/json/1", n)
        elapsed, cpu_used = time.perf_counter() - began, time.process_time() - cpu_began
        stats = await _server_counts(server.url)
    if not (isinstance(measured, tuple) and len(measured) == 2):
        raise Mistake(f"return a pair (wall_s, cpu_s) per request, not {measured!r}")
    wall, cpu = measured
    if stats["requests"] != n:
        raise Mistake(f"the server received {stats['requests']} requests: fetch the URL {n} times")
    if stats["max_in_flight"] > 1:
        raise Mistake(
            f"the server held {stats['max_in_flight']} requests at once: send them one after "
            "another, so that each wall-clock time is one request's, not an overlap of many"
        )
    if wall < latency:
        raise Mistake(
            f"{wall * 1000:.1f} ms per request, less than the server's {latency * 1000:.0f} ms "
            "latency: start the clock (time.perf_counter) before the requests, stop it after"
        )
    if cpu >= 0.9 * wall:
        raise Mistake(
            f"{cpu * 1000:.1f} ms of processor time for {wall * 1000:.1f} ms of wall-clock time: "
            "that is wall-clock time again. A process's processor time is time.process_time(), "
            "which does not advance while it waits"
        )
    if wall > elapsed / 2 or cpu > cpu_used / 2:
        raise Mistake(
            f"({wall:.3f}, {cpu:.4f}) are totals for {n} requests: divide both by n, the "
            "exercise asks for the cost of one request"
        )
    if cpu <= 0:
        raise Mistake("no processor time at all: read time.process_time() before and after")
    return passed(
        f"{wall * 1000:.1f} ms per request from end to end, of which this process computed "
        f"{cpu * 1000:.2f} ms"
    )


async def check_slow_or_fast(namespace: Mapping[str, Any]) -> bool | None:
    """06-choosing-a-model, exercise 2: judge(wall_s, cpu_s) picks a model from a measurement."""
    judge = answer(namespace, "judge", "judge(wall_s, cpu_s)")
    if judge is None:
        return None
    measure_requests = answer(namespace, "measure_requests", "measure_requests (exercise 1)")
    if measure_requests is None:
        return None
    for wall, cpu, why in JUDGEMENTS:
        ratio = wall / cpu
        right = choose_model("io", slow_io=ratio > POOL)
        got = judge(wall, cpu)
        if got != right:
            raise Mistake(
                f"judge({wall}, {cpu}) = {got!r}: {why}, so keeping one CPU busy takes "
                f"{ratio:g} requests in flight ({'more' if ratio > POOL else 'fewer'} than a "
                f"pool's {POOL} threads): choose_model gives {right!r}. Slow or fast is wall ÷ "
                "cpu against the pool, not the latency alone"
            )
    figures = []
    for name, latency in SERVICES.items():
        async with SlowServer(latency=latency) as server:
            wall, cpu = await measure_requests(f"{server.url}/json/1", 5 if latency else 20)
        expected = choose_model("io", slow_io=wall / cpu > POOL)
        if judge(wall, cpu) != expected:
            raise Mistake(
                f"the {name} server measured {wall * 1000:.1f} ms per request, {cpu * 1000:.2f} "
                f"ms of it computing, and judge gave {judge(wall, cpu)!r}, not {expected!r}"
            )
        figures.append(f"{name} ({latency * 1000:g} ms): {wall / cpu:.0f} in flight, {expected}")
    return passed("judge follows the measurements: " + "; ".join(figures))
