"""Self-checks for the exercises of notebook 09-choosing-a-model.

The exercises ask for a measurement and a judgement built on it: how much CPU time one request
costs this process, how long it takes from end to end, and so how many requests must be in
flight to keep a CPU busy (Little's law), against how many threads one is willing to run. The
checks grade the measurement with the server's own counts (requests, connections, requests at
once) and with bounds that physics sets (a request takes at least the server's latency; the
times measured around the call bound the ones reported), on two servers so that a guessed figure
cannot fit both; and the judgement on cases chosen to separate it from a latency threshold or a
fixed pool, then on fresh measurements made with the learner's own function.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import aiohttp

from helpers.exercises import Mistake, answer, passed, self_check, watchdog
from helpers.lessons.choose import choose_model
from helpers.server.process import SlowServer

SERVERS = (0.03, 0.08)  # the latencies exercise 1 is measured against, 10 requests each
REQUESTS = 10
SERVICES = {"cache": 0.0, "api": 0.2}  # two servers the judgement is tried on, and their latency
THREAD_LIMITS = (20, 1_000)  # max_threads the judgement of measured servers is tried with
# (wall s, cpu s, max_threads) per request, and what the request is, in an order that defeats luck
JUDGEMENTS = [
    (0.05, 0.01, 20, "50 ms per request of which 10 ms computing"),
    (0.002, 0.00001, 20, "2 ms per request of which 10 µs computing"),
    (0.025, 0.001, 20, "25 ms per request of which 1 ms computing"),
    (0.015, 0.001, 20, "15 ms per request of which 1 ms computing"),
    (0.3, 0.001, 1_000, "300 ms per request of which 1 ms computing"),
    (0.3, 0.001, 100, "300 ms per request of which 1 ms computing"),
]


async def _server_counts(base_url: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session, session.get(f"{base_url}/stats") as response:
        return await response.json()


async def _measure(measure_requests: Any, latency: float, n: int) -> tuple[Any, float, float, dict]:
    """Run the learner's measure_requests against a fresh server; what it returned, the wall and
    CPU seconds around the call, and the server's counts."""
    async with SlowServer(latency=latency) as server:
        began, cpu_began = time.perf_counter(), time.process_time()
        measured = await watchdog.finishes(
            measure_requests(f"{server.url}/json/1", n),
            "measure_requests(url, n)",
            function=measure_requests,
        )
        elapsed, cpu_used = time.perf_counter() - began, time.process_time() - cpu_began
        return measured, elapsed, cpu_used, await _server_counts(server.url)


@self_check
async def check_measure_requests(namespace: Mapping[str, Any]) -> bool | None:
    """09-choosing-a-model, exercise 1: measure_requests(url, n) -> (wall, cpu) per request.

    Requires: n requests (the server's count), one after another (at most one at once), on one
    session (one connection opened: a session per request pays a connection each time); a pair
    per request, not totals, in the order (wall, cpu); the wall-clock time measured (at least
    the latency, at most the call's own time per request, on two servers of different latency);
    the CPU time measured with a CPU clock (above zero, well below the wall-clock time).
    """
    measure_requests = answer(namespace, "measure_requests", "async def measure_requests(url, n)")
    figures = []
    for latency in SERVERS:
        n = REQUESTS
        measured, elapsed, cpu_used, stats = await _measure(measure_requests, latency, n)
        if not (isinstance(measured, tuple) and len(measured) == 2):
            raise Mistake(f"return a pair (wall_s, cpu_s) per request, not {measured!r}")
        wall, cpu = measured
        if stats["requests"] != n:
            raise Mistake(
                f"the server received {stats['requests']} requests: fetch the URL {n} times"
            )
        if stats["max_in_flight"] > 1:
            raise Mistake(
                f"the server held {stats['max_in_flight']} requests at once: send them one after "
                "another, so that each wall-clock time is one request's, not an overlap of many"
            )
        if stats["connections"] > 1:
            raise Mistake(
                f"{stats['connections']} connections opened for {n} requests: open one session "
                "and reuse it, so that the CPU per request is the steady state's, not a new "
                "session's and connection's set-up each time"
            )
        if wall < latency <= cpu:
            raise Mistake(
                f"({wall * 1000:.1f} ms, {cpu * 1000:.1f} ms): the first is less than the "
                f"server's {latency * 1000:.0f} ms latency, the second more, so the pair is "
                "swapped. Return (wall_s, cpu_s): the wall-clock seconds first, then the CPU "
                "seconds"
            )
        if wall < latency:
            raise Mistake(
                f"{wall * 1000:.1f} ms per request, less than the server's {latency * 1000:.0f} "
                "ms latency: start the clock (time.perf_counter) before the requests, stop it "
                "after, and return what you measured"
            )
        if cpu >= 0.9 * wall:
            raise Mistake(
                f"{cpu * 1000:.1f} ms of CPU time for {wall * 1000:.1f} ms of wall-clock time: "
                "that is wall-clock time again. A process's CPU time is time.process_time(), "
                "which does not advance while it waits"
            )
        if wall > elapsed / 2 or cpu > cpu_used / 2:
            raise Mistake(
                f"({wall:.3f}, {cpu:.4f}) are totals for {n} requests: divide both by n, the "
                "exercise asks for the cost of one request"
            )
        if wall > 1.05 * elapsed / n:
            raise Mistake(
                f"{wall * 1000:.1f} ms per request, more than your call took per request "
                f"({elapsed / n * 1000:.1f} ms): return what you measured, not a figure you expect"
            )
        if cpu <= 0:
            raise Mistake("no CPU time at all: read time.process_time() before and after")
        figures.append(
            f"{wall * 1000:.1f} ms ({cpu * 1000:.2f} ms of CPU) at {latency * 1000:g} ms"
        )
    return passed(f"per request, on one connection: {'; '.join(figures)}")


def _judged(judge: Any, wall: float, cpu: float, max_threads: int) -> Any:
    """judge(wall, cpu, max_threads) under the watchdog; a missing parameter is a Mistake."""
    try:
        with watchdog.blocking(f"judge({wall}, {cpu}, {max_threads})"):
            return judge(wall, cpu, max_threads)
    except TypeError as error:
        raise Mistake(
            f"judge({wall}, {cpu}, {max_threads}) raised TypeError ({error}): judge takes the "
            "threads you are willing to run as its third argument, max_threads"
        ) from None


@self_check
async def check_slow_or_fast(namespace: Mapping[str, Any]) -> bool | None:
    """09-choosing-a-model, exercise 2: judge(wall_s, cpu_s, max_threads) picks a model.

    Requires: the requests in flight that keep a CPU busy, wall ÷ cpu, compared with max_threads
    (not the latency alone, not cpu ÷ wall, not a fixed pool), passed to choose_model; on cases
    either side of the limit (ratios 15 and 25 at 20 threads, 300 at 100 and at 1,000), then on
    the learner's own measurements of a cache and an API at 20 and 1,000 threads.
    """
    judge = answer(namespace, "judge", "judge(wall_s, cpu_s, max_threads)")
    measure_requests = answer(namespace, "measure_requests", "measure_requests (exercise 1)")
    for wall, cpu, max_threads, why in JUDGEMENTS:
        ratio = wall / cpu
        right = choose_model("io", slow_io=ratio > max_threads)
        got = _judged(judge, wall, cpu, max_threads)
        if got != right:
            side = "more" if ratio > max_threads else "no more"
            raise Mistake(
                f"judge({wall}, {cpu}, {max_threads}) = {got!r}: {why}, so keeping a CPU busy "
                f"takes {ratio:g} requests in flight, {side} than the {max_threads:,} threads "
                f"you accept: choose_model gives {right!r}. Slow or fast is wall ÷ cpu against "
                "max_threads, not the latency alone"
            )
    figures = []
    for name, latency in SERVICES.items():
        async with SlowServer(latency=latency) as server:
            wall, cpu = await watchdog.finishes(
                measure_requests(f"{server.url}/json/1", 5 if latency else 20),
                "measure_requests(url, n)",
                function=measure_requests,
            )
        for max_threads in THREAD_LIMITS:
            expected = choose_model("io", slow_io=wall / cpu > max_threads)
            got = _judged(judge, wall, cpu, max_threads)
            if got != expected:
                raise Mistake(
                    f"the {name} server measured {wall * 1000:.1f} ms per request, "
                    f"{cpu * 1000:.2f} ms of it computing, and judge(..., {max_threads}) gave "
                    f"{got!r}, not {expected!r}"
                )
        verdicts = "/".join(
            choose_model("io", slow_io=wall / cpu > limit) for limit in THREAD_LIMITS
        )
        figures.append(f"{name}: {wall / cpu:.0f} in flight, {verdicts}")
    limits = " and ".join(f"{limit:,}" for limit in THREAD_LIMITS)
    return passed(f"judge follows the measurements (at {limits} threads): " + "; ".join(figures))
