"""Self-checks for 06-cancellation-and-limits: a sliding window; a request id per task."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

from helpers.exercises import Mistake, answer, passed, self_check, watchdog

# Each coroutine's seconds: item 0 is slow, so a sliding window moves on without it while a batch
# waits for it; the later ones are quicker, so they finish out of the order given.
SECONDS = [0.2, 0.03, 0.02, 0.04, 0.01, 0.03, 0.02, 0.01]
LIMIT = 2
# The run with failures: items 0 and 2 fail soon, the others take longer; after a failure the
# others must still run, LIMIT at once.
FAILING_SECONDS = [0.01, 0.05, 0.01, 0.05, 0.05, 0.05]
FAILING = (0, 2)
SETTLE_S = 1.0  # how long the others may take to end after the error (0.2 s one at a time)
REQUEST_IDS = ["req-1", "req-2", "req-3"]
PERMIT_KEPT = (
    "it waits for a permit that is never given back: release each permit when its coroutine "
    "ends (`async with semaphore:` does, on an error too)"
)


class _Items:
    """The coroutines handed to gather_limited: each notes its start and end, and how many ran."""

    def __init__(self, seconds: list[float], failing: tuple[int, ...] = ()) -> None:
        self.seconds, self.failing = seconds, failing
        self.events: list[tuple[str, int, int]] = []  # (start or end, item, how many ran then)
        self.running = 0
        self.coroutines = [self._item(n) for n in range(len(seconds))]

    async def _item(self, n: int) -> int:
        self.running += 1
        self.events.append(("start", n, self.running))
        try:
            await asyncio.sleep(self.seconds[n])
            if n in self.failing:
                raise ValueError(f"item {n} failed")
        finally:
            self.running -= 1
            self.events.append(("end", n, self.running))
        return n * n

    def when(self, kind: str, n: int) -> int:
        """The index of item n's start or end among the events; past the end if it never came."""
        found = [i for i, (k, item, _) in enumerate(self.events) if (k, item) == (kind, n)]
        return found[0] if found else len(self.events)

    def ended(self) -> int:
        """How many items have ended, returned or failed."""
        return sum(kind == "end" for kind, _, _ in self.events)

    def most(self, after: int = 0) -> int:
        """The most coroutines that ran at once, at the starts from event `after` on."""
        return max((ran for kind, _, ran in self.events[after:] if kind == "start"), default=0)

    def close_unstarted(self) -> None:
        """Close the coroutines never started, so that none warns "never awaited"."""
        for coroutine in self.coroutines:
            if inspect.getcoroutinestate(coroutine) == inspect.CORO_CREATED:
                coroutine.close()


@self_check
async def check_gather_limited(namespace: dict[str, Any]) -> bool | None:
    """06-cancellation-and-limits, exercise 1: gather_limited(coroutines, limit), a sliding window.

    Requires: the results in the order the coroutines were given (they finish in another
    order); never more than `limit` coroutines running at once, and `limit` at once while there
    is work; the next coroutine starts the moment a running one finishes, not when a batch has
    finished (with limit 2 and item 0 slow, item 2 starts before item 0 ends); a coroutine
    that fails gives its place back: its error comes out, the others still run, `limit` at
    once after the failure as before it, and no task of the answer is left waiting for a
    place; no hang (a permit never given back is a Mistake).
    """
    what = "async def gather_limited(coroutines, limit)"
    gather_limited = answer(namespace, "gather_limited", what)
    items = _Items(SECONDS)
    try:
        results = await watchdog.finishes(
            gather_limited(items.coroutines, LIMIT),
            f"gather_limited(coroutines, {LIMIT})",
            advice=PERMIT_KEPT,
            function=gather_limited,
        )
    finally:
        items.close_unstarted()
    expected = [n * n for n in range(len(SECONDS))]
    if results != expected and sorted(results or []) == expected:
        raise Mistake(
            f"got {results}: the results came back in the order they finished. Return them in "
            "the order the coroutines were given, as gather does"
        )
    if results != expected:
        raise Mistake(f"gather_limited returned {results!r}, not {expected}")
    most = items.most()
    if most > LIMIT:
        raise Mistake(f"{most} ran at once with limit={LIMIT}: at most {LIMIT} may run at once")
    if most < LIMIT:
        raise Mistake(f"only {most} ran at a time with limit={LIMIT}: let {LIMIT} run at once")
    if items.when("start", 2) > items.when("end", 0):
        raise Mistake(
            f"item 2 started only after item 0 ({SECONDS[0]} s) had finished, though item 1 "
            f"({SECONDS[1]} s) had freed its place long before: that is batches of {LIMIT}. "
            "Start the next coroutine the moment any running one finishes: one Semaphore "
            "shared by all of them"
        )
    await _check_failures_give_places_back(gather_limited)
    return passed(
        f"gather_limited kept the order, ran at most {LIMIT} at once, started each next "
        "coroutine as soon as a place freed, and gave back the places of those that failed"
    )


async def _check_failures_give_places_back(gather_limited: Any) -> None:
    """Items 0 and 2 fail: their error comes out, and the others run on, LIMIT at once."""
    items = _Items(FAILING_SECONDS, FAILING)
    what = f"gather_limited(coroutines, {LIMIT})"
    answer_file = gather_limited.__code__.co_filename
    try:
        try:
            await watchdog.finishes(
                gather_limited(items.coroutines, LIMIT), what, function=gather_limited
            )
        except Exception as error:  # ValueError, or an ExceptionGroup of them from a TaskGroup
            leaves = getattr(error, "exceptions", [error])
            if not any(isinstance(leaf, ValueError) for leaf in leaves):
                raise Mistake(
                    f"gather_limited raised {error!r}, not the failed item's ValueError"
                ) from None
        else:
            raise Mistake(
                f"items {FAILING[0]} and {FAILING[1]} raised ValueError, yet gather_limited "
                "returned: let the error out, as gather does"
            )
        stuck = await _settle(items, answer_file)
    finally:
        items.close_unstarted()
    if stuck:
        raise Mistake(
            f"after {len(FAILING)} coroutines failed, {stuck} coroutines still waited for a "
            "place: a coroutine that fails kept its permit. Release it even on an error, in a "
            "`finally:` or with `async with semaphore:`"
        )
    _judge_after_the_failure(items)


async def _settle(items: _Items, answer_file: str) -> int:
    """Let the others run on after the error, up to SETTLE_S; cancel and count the answer's left."""

    def pending() -> list[asyncio.Task[Any]]:
        return [
            task
            for task in asyncio.all_tasks()
            if getattr(getattr(task.get_coro(), "cr_code", None), "co_filename", None)
            == answer_file
        ]

    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE_S
    while items.ended() < len(items.seconds) and (items.running or pending()):
        if loop.time() > deadline:
            break
        await asyncio.sleep(0.01)
    stuck = pending()
    for task in stuck:
        task.cancel()
    await asyncio.gather(*stuck, return_exceptions=True)
    return len(stuck)


def _judge_after_the_failure(items: _Items) -> None:
    """The Mistake if, after the first failure, fewer than LIMIT ran at once or some never ran."""
    first_failure = items.when("end", FAILING[0])
    after = items.most(first_failure)
    if 0 < after < LIMIT:
        raise Mistake(
            f"after item {FAILING[0]} failed, at most {after} coroutine ran at once with "
            f"limit={LIMIT}: the failed coroutine's place was not given back (a worker that "
            "ends on an error takes its place with it). Run each coroutine in its own task, "
            "behind one Semaphore: `async with semaphore:` gives the place back on an error too"
        )
    never = [n for n in range(len(items.seconds)) if items.when("start", n) == len(items.events)]
    if never:
        raise Mistake(
            f"after item {FAILING[0]} failed, items {never} never ran: the others must still "
            "get their turn, as with gather, which lets them run on after its error (a "
            "TaskGroup cancels them)"
        )


@self_check
async def check_serve(namespace: dict[str, Any]) -> bool | None:
    """06-cancellation-and-limits, exercise 3: each respond() task logs its own request id.

    Requires: respond() runs once per request id, all at once; every line a respond() call logs
    carries that call's own id, which never changes while it runs; afterwards, the caller's
    request_id is what it was before; no hang (a hang is a Mistake).
    """
    serve = answer(namespace, "serve", "async def serve(request_ids)")
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
        await watchdog.finishes(serve(list(REQUEST_IDS)), "serve(request_ids)", function=serve)
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
