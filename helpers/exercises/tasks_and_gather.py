"""Self-checks for 04-tasks-and-gather: fastest mirror, bounded gather, all or none, request ids."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

from helpers.exercises import Mistake, answer, passed
from helpers.measure.timeline import Timeline

MIRRORS = {"slow": 0.6, "quick": 0.05, "medium": 0.4}  # name -> seconds to answer
SQUARES = 8
LIMIT = 2
PAGES = {"/a": 0.04, "/b": 0.03, "/c": 0.02, "/d": 0.01}  # url -> seconds: later ones finish first
BROKEN = "/broken"  # fails after 0.01 s, while the slow pages still load
SLOW = 0.3  # seconds each other page takes in the failing run
REQUEST_IDS = ["req-1", "req-2", "req-3"]


async def check_fastest(namespace: dict[str, Any]) -> bool | None:
    """04-tasks-and-gather, exercise 1: the first answer, and no answer() task left running."""
    fastest = answer(namespace, "fastest", "async def fastest(mirrors)")
    if fastest is None:
        return None
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


async def check_gather_limited(namespace: dict[str, Any]) -> bool | None:
    """04-tasks-and-gather, exercise 2: results in the order given, at most `limit` at once."""
    what = "async def gather_limited(coroutines, limit)"
    gather_limited = answer(namespace, "gather_limited", what)
    if gather_limited is None:
        return None
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


async def check_fetch_all(namespace: dict[str, Any]) -> bool | None:
    """04-tasks-and-gather, exercise 4: pages in order, all at once; on a failure, none left."""
    fetch_all = answer(namespace, "fetch_all", "async def fetch_all(urls)")
    if fetch_all is None:
        return None
    original = namespace.get("fetch_page")
    delays: dict[str, float] = {}
    outcomes: dict[str, str] = {}  # url -> running, ok, failed or cancelled
    running = 0
    most = 0

    async def fetch_page(url: str) -> str:
        nonlocal running, most
        outcomes[url] = "running"
        running += 1
        most = max(most, running)
        try:
            await asyncio.sleep(delays[url])
            if url == BROKEN:
                outcomes[url] = "failed"
                raise ConnectionError(f"{url}: connection reset")
        except asyncio.CancelledError:
            outcomes[url] = "cancelled"
            raise
        finally:
            running -= 1
        outcomes[url] = "ok"
        return f"page {url}"

    namespace["fetch_page"] = fetch_page  # the answer looks it up when it calls it
    try:
        delays.update(PAGES)
        pages = await fetch_all(list(PAGES))
        expected = [f"page {url}" for url in PAGES]
        if pages != expected and sorted(pages or []) == sorted(expected):
            raise Mistake(
                f"got {pages}: in the order the fetches finished. Return them in the order of "
                "urls: keep the tasks in a list and read each one's .result() after the block"
            )
        if pages != expected:
            raise Mistake(f"fetch_all returned {pages!r}, not {expected}")
        if most < len(PAGES):
            raise Mistake(
                f"at most {most} fetch ran at a time: start every fetch_page(url) as a task in "
                "the group before awaiting any of them"
            )
        urls = ["/a", BROKEN, "/c"]
        delays.clear()
        delays.update({"/a": SLOW, BROKEN: 0.01, "/c": SLOW})
        outcomes.clear()
        try:
            returned = await fetch_all(urls)
        except Exception as error:  # an ExceptionGroup from a TaskGroup, or the error itself
            errors = getattr(error, "exceptions", [error])
            if not any(isinstance(e, ConnectionError) for e in errors):
                raise Mistake(f"fetch_all raised {error!r}, not the fetch's error") from error
        else:
            raise Mistake(
                f"{BROKEN} failed, yet fetch_all returned {returned!r}: let the error out "
                "(a TaskGroup raises it in an ExceptionGroup); do not catch it or return it"
            )
        left = sorted(url for url, outcome in outcomes.items() if outcome == "running")
        if left:
            raise Mistake(
                f"fetch_page was still running for {', '.join(left)} when fetch_all raised: "
                "cancel the other fetches and wait for them before raising, as a TaskGroup does"
            )
        finished = sorted(url for url, outcome in outcomes.items() if outcome == "ok")
        if finished:
            raise Mistake(
                f"{', '.join(finished)} loaded in full ({SLOW} s) after {BROKEN} had failed: "
                "cancel the other fetches as soon as one fails"
            )
    finally:
        if original is None:
            namespace.pop("fetch_page", None)
        else:
            namespace["fetch_page"] = original
    return passed(f"fetch_all kept the order, and cancelled the others when {BROKEN} failed")


async def check_serve(namespace: dict[str, Any]) -> bool | None:
    """04-tasks-and-gather, exercise 5: each respond() task logs its own id; the caller's stays."""
    serve = answer(namespace, "serve", "async def serve(request_ids)")
    if serve is None:
        return None
    request_id = namespace["request_id"]
    original = namespace["respond"]
    seen: dict[int, set[str]] = {}  # one entry per respond() call: the ids its lines carried
    running = 0
    most = 0

    async def respond() -> None:
        nonlocal running, most
        ids = seen.setdefault(len(seen), set())
        running += 1
        most = max(most, running)
        try:
            for _ in range(3):
                ids.add(request_id.get())
                await asyncio.sleep(0.01)  # the other requests run here
            ids.add(request_id.get())
        finally:
            running -= 1

    token = request_id.set("caller")
    namespace["respond"] = respond  # the answer looks it up when it calls it
    try:
        await serve(list(REQUEST_IDS))
        after = request_id.get()
    finally:
        namespace["respond"] = original
        request_id.reset(token)
    if len(seen) != len(REQUEST_IDS):
        raise Mistake(f"respond() ran {len(seen)} times for {len(REQUEST_IDS)} request ids")
    carried = [sorted(ids) for ids in seen.values()]
    if any(ids == ["caller"] for ids in carried):
        raise Mistake(
            f"respond() logged the caller's id 'caller' ({carried}): a task copies the context "
            "when it is created, so set request_id inside the task, or before create_task"
        )
    if any(len(ids) > 1 for ids in carried):
        raise Mistake(f"a respond() call saw its id change while it ran: {carried}")
    if sorted(ids[0] for ids in carried) != sorted(REQUEST_IDS):
        raise Mistake(
            f"the respond() calls logged {carried}, not one each of {REQUEST_IDS}: a task keeps "
            "the value its context held when create_task made it (gather too), so set the id "
            "for each task before it is created, or inside it"
        )
    if most < len(REQUEST_IDS):
        raise Mistake(f"respond() ran {most} at a time: run the {len(REQUEST_IDS)} at once")
    if after != "caller":
        raise Mistake(
            f"after serve, the caller's request_id is {after!r}, not 'caller': set it inside "
            "each task, or reset it with the token request_id.set() returned"
        )
    return passed("every respond() logged its own request id, and the caller's stayed as it was")
