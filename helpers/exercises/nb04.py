"""Self-checks for 04-tasks-and-gather: the fastest mirror; a bounded gather."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

from helpers.exercises import Mistake, answer, passed
from helpers.measure.timeline import Timeline

MIRRORS = {"slow": 0.6, "quick": 0.05, "medium": 0.4}  # name -> seconds to answer
SQUARES = 8
LIMIT = 2


async def check_fastest(namespace: dict[str, Any]) -> bool:
    """04-tasks-and-gather, exercise 1: the first answer, and no answer() task left running."""
    fastest = answer(namespace, "fastest", "async def fastest(mirrors)")
    if fastest is None:
        return False
    original = namespace["answer"]
    timeline = Timeline()  # each mirror's answer() call: whether it answered or was cancelled
    asked: list[str] = []
    started: list[asyncio.Task] = []

    async def watched_answer(name: str, seconds: float) -> str:
        asked.append(name)
        task = asyncio.current_task()
        assert task is not None, "answer() runs in a task"
        started.append(task)
        with timeline.task(name):
            return await original(name, seconds)

    namespace["answer"] = watched_answer  # the answer looks it up when it calls it
    try:
        winner = await fastest(dict(MIRRORS))
    finally:
        namespace["answer"] = original
        me = asyncio.current_task()
        left = [task for task in started if not task.done() and task is not me]
        still_running = [name for name in MIRRORS if name not in timeline.names]
        for task in left:
            task.cancel()
        await asyncio.gather(*left, return_exceptions=True)
    if sorted(asked) != sorted(MIRRORS):
        raise Mistake(
            f"fastest asked {asked or 'no mirror'}, not every mirror: start answer() for each "
            "one. Which answers first is found by racing them, not known in advance"
        )
    if isinstance(winner, asyncio.Future):
        raise Mistake(f"fastest returned {winner!r}: return the finished task's .result()")
    if winner != "quick":
        raise Mistake(f"fastest returned {winner!r}, not the first mirror to answer ('quick')")
    if still_running:
        raise Mistake(
            f"answer() was still running for {', '.join(still_running)} when fastest returned: "
            "cancel the other tasks, then wait for them "
            "(await asyncio.gather(*tasks, return_exceptions=True))"
        )
    answered = [name for name in MIRRORS if timeline.outcome(name) == "ok"]
    if len(answered) == len(MIRRORS):
        raise Mistake(
            f"fastest waited for every mirror to answer ({max(MIRRORS.values())} s): return as "
            "soon as the first answers, with asyncio.wait(..., return_when=FIRST_COMPLETED) "
            "or as_completed, and cancel the rest"
        )
    return passed("fastest returned the first answer and cancelled the others")


async def check_gather_limited(namespace: dict[str, Any]) -> bool:
    """04-tasks-and-gather, exercise 2: results in the order given, at most `limit` at once."""
    what = "async def gather_limited(coroutines, limit)"
    gather_limited = answer(namespace, "gather_limited", what)
    if gather_limited is None:
        return False
    timeline = Timeline()

    @timeline.traced  # records when each call runs, so the check can count how many overlap
    async def square(n: int) -> int:
        await asyncio.sleep(0.01 * (SQUARES - n))  # later ones are quicker: they finish first
        return n * n

    coroutines = [square(n) for n in range(SQUARES)]
    try:
        results = await gather_limited(coroutines, LIMIT)
    finally:
        for coroutine in coroutines:
            if inspect.getcoroutinestate(coroutine) == inspect.CORO_CREATED:
                coroutine.close()  # never started: close it, so it does not warn "never awaited"
    expected = [n * n for n in range(SQUARES)]
    if results != expected and sorted(results or []) == expected:
        raise Mistake(
            f"got {results}: the results came back in the order they finished. Return them in "
            "the order the coroutines were given, as gather does"
        )
    if results != expected:
        raise Mistake(f"gather_limited returned {results!r}, not {expected}")
    most = timeline.max_concurrency()
    if most > LIMIT:
        raise Mistake(f"{most} ran at once with limit={LIMIT}: at most {LIMIT} may run at once")
    if most < LIMIT:
        raise Mistake(f"only {most} ran at a time with limit={LIMIT}: let {LIMIT} run at once")
    return passed(f"gather_limited kept the order and ran at most {LIMIT} at once")
