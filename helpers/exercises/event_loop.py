"""Self-checks for 03-event-loop: a countdown on the toy loop, and asyncio.sleep from a Future."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Generator
from typing import Any

from helpers.exercises import Mistake, answer, bypass, not_attempted, passed, self_check, watchdog
from helpers.lessons.toyloop import Sleep, ToyLoop
from helpers.measure.timeline import Timeline

COUNTDOWN_STEP_S = 0.05
TAKING_TURNS = ["a 3", "b 3", "a 2", "b 2", "a 1", "b 1"]
UNEQUAL = {"a": 4, "b": 2}  # a second run, so that an answer which ignores n cannot pass
UNEQUAL_TURNS = ["a 4", "b 2", "a 3", "b 1", "a 2", "a 1"]
FUTURE_SLEEP_S = 0.1
SAME_PASS_S = 0.05  # the sleep whose timer falls due in the same pass as its cancel
LONG_S = 3600.0  # a sleep that is cancelled long before its timer is due
BYPASS = (
    "build it from a Future that loop.call_later fills, and await that Future; asyncio.sleep is "
    "the function you are writing"
)


def _watched(body: Any, requests: list[Any]) -> Generator[Any, None, Any]:
    """Run body for the toy loop, noting each request it pauses with."""
    reply = None
    while True:
        try:
            request = body.send(reply)
        except StopIteration as stop:
            return stop.value
        requests.append(request)
        reply = yield request


def _run_countdowns(countdown: Any, counts: dict[str, int]) -> tuple[list[str], list[Any]]:
    """Run countdown(name, n, log) for each name together on the toy loop: the log, the requests."""
    log: list[str] = []
    requests: list[Any] = []
    bodies = {name: countdown(name, n, log) for name, n in counts.items()}
    for body in bodies.values():
        if not (inspect.isgenerator(body) or inspect.iscoroutine(body)):
            raise Mistake(
                f"countdown(...) returned {body!r}, not a generator: with no `yield` in it, it "
                "ran to the end when called. Pause with `yield Sleep(0.05)`"
            )
    toy = ToyLoop(timeout=watchdog.HANG_S / 2)
    for name, body in bodies.items():
        toy.spawn(name, _watched(body, requests))
    try:
        with watchdog.blocking("countdown", advice="a loop in it that never reaches a `yield`"):
            toy.run()
    except TimeoutError:
        raise Mistake(
            f"the countdowns were still running after {watchdog.HANG_S / 2:g} s, with "
            f"{len(log)} lines logged: does your loop ever end? Count i from n down to 1"
        ) from None
    except (TypeError, RuntimeError) as error:
        raise Mistake(
            f"{type(error).__name__}: {error}. The toy loop understands only its own requests: "
            "`yield Sleep(0.05)`, not asyncio.sleep, which belongs to asyncio's loop"
        ) from None
    finally:
        for body in bodies.values():
            body.close()  # a no-op for finished ones; a countdown never started does not warn
    return log, requests


def _prediction(namespace: dict[str, Any]) -> list[str]:
    """The order the learner predicted in PREDICTED_ORDER; until there is one, the check ends."""
    predicted = namespace.get("PREDICTED_ORDER")
    if predicted is None:
        not_attempted("write the order you predict in PREDICTED_ORDER first")
    if not isinstance(predicted, list) or not all(isinstance(line, str) for line in predicted):
        raise Mistake(
            f"PREDICTED_ORDER = {predicted!r}: write your prediction as a list of the lines, "
            'like ["a 3", ...]'
        )
    return predicted


@self_check
def check_countdown(namespace: dict[str, Any]) -> bool | None:
    """03-event-loop, exercise 1: two countdowns take turns on the toy loop, sleeping in it.

    Requires: PREDICTED_ORDER, the learner's prediction, compared first (never a Mistake);
    countdown(name, n, log) is a generator (or coroutine) for the toy loop; it logs
    f"{name} {i}" for i from n down to 1, whatever n is (a second run with n = 4 and 2); it
    pauses after each line, so that two countdowns take turns; each pause is a
    `Sleep(0.05)` request to the loop, not time.sleep and not a bare yield; it ends. Right code
    with a wrong prediction ends on a ✓ line that says so, and returns None, not True.
    """
    countdown = answer(namespace, "countdown", "countdown(name, n, log)")
    predicted = _prediction(namespace)
    log, requests = _run_countdowns(countdown, {"a": 3, "b": 3})
    verdict = "the same" if predicted == log else "not the same"
    print(f"you predicted {predicted}\nthe toy loop logged {log}: {verdict}")
    for name in "ab":
        mine = [line for line in log if line.startswith(f"{name} ")]
        if mine != [f"{name} 3", f"{name} 2", f"{name} 1"]:
            raise Mistake(f"countdown({name!r}, 3, log) logged {mine}: count from n down to 1")
    if log != TAKING_TURNS:
        raise Mistake(f"the countdowns did not take turns: {log}. Pause after each line")
    slept = [request.seconds for request in requests if isinstance(request, Sleep)]
    if len(slept) != len(TAKING_TURNS) or min(slept) < COUNTDOWN_STEP_S:
        raise Mistake(
            f"the countdowns paused with {requests}: each step must sleep in the loop with "
            f"`yield Sleep({COUNTDOWN_STEP_S})`. time.sleep blocks the whole loop"
        )
    unequal, _ = _run_countdowns(countdown, UNEQUAL)
    if unequal != UNEQUAL_TURNS:
        raise Mistake(
            f"countdown('a', 4, log) and countdown('b', 2, log) logged {unequal}, not "
            f"{UNEQUAL_TURNS}: count from n, whatever n is"
        )
    if predicted != log:
        passed(
            "your countdown is right: the countdowns took turns, sleeping in the loop. Your "
            "prediction was not: each countdown gives the loop back at its sleep, and the other "
            "logs its line meanwhile"
        )
        return None  # no True under a prediction that was wrong
    return passed(f"the countdowns took turns, sleeping in the loop: {log}")


class _Timers:
    """Record the timers the loop makes while active (call_later goes through call_at)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.made: list[asyncio.TimerHandle] = []
        self._call_at = loop.call_at

    def __enter__(self) -> _Timers:
        def call_at(when: float, *args: Any, **kwargs: Any) -> asyncio.TimerHandle:
            handle = self._call_at(when, *args, **kwargs)
            self.made.append(handle)
            return handle

        self.loop.call_at = call_at  # type: ignore[method-assign,assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        del self.loop.call_at  # the class's method again


@self_check
async def check_future_sleep(namespace: dict[str, Any]) -> bool | None:
    """03-event-loop, exercise 2: the result, the wait, and a clean cancellation.

    Requires: an `async def future_sleep(seconds, result=None)` that does not call
    asyncio.sleep; it returns `result`, after `seconds` and not before, waiting in the loop
    (two calls overlap); the Future it awaits gets filled (no hang); cancelled, it ends
    cancelled and cancels its timer; a cancel and its timer falling due in the same pass of
    the loop raise nothing (the timer must skip a Future that is already done).
    """
    future_sleep = answer(namespace, "future_sleep", "async def future_sleep(seconds, result=None)")
    if not inspect.iscoroutinefunction(future_sleep):
        raise Mistake("future_sleep is a plain function: define it with `async def`")
    bypass.refuse_references(future_sleep, ["asyncio.sleep"], BYPASS)
    loop = asyncio.get_running_loop()
    errors: list[str] = []
    previous_handler = loop.get_exception_handler()
    loop.set_exception_handler(lambda _, context: errors.append(_reported(context)))
    try:
        timeline = await _two_sleeps(future_sleep)
        await _cancelled_long_sleep(future_sleep, loop)
        if errors:
            raise Mistake(f"the loop reported {errors[0]!r} while future_sleep waited")
        await _cancel_in_the_timers_pass(future_sleep, loop)
    finally:
        loop.set_exception_handler(previous_handler)
    if errors:
        raise Mistake(
            f"the loop reported {errors[0]!r}: the cancel and the timer fell due in the same "
            "pass, the cancel ran first, and then the timer filled a cancelled Future. Let the "
            "timer skip a Future that is already done: "
            "`lambda: future.done() or future.set_result(result)`"
        )
    shortest = min(timeline.duration(name) for name in timeline.names)
    return passed(
        f"future_sleep({FUTURE_SLEEP_S}) waited {shortest:.2f} s beside another, returned its "
        "result, cancelled its timer when cancelled, and kept quiet when the cancel and the "
        "timer shared a pass"
    )


def _reported(context: dict[str, Any]) -> str:
    """What the loop's exception handler was told, in one line."""
    error = context.get("exception")
    return f"{context['message']}: {error!r}" if error is not None else str(context["message"])


async def _two_sleeps(future_sleep: Any) -> Timeline:
    """Two future_sleep calls side by side: results, overlap, and no early return."""
    timeline = Timeline()
    traced = timeline.traced(future_sleep)
    both = asyncio.gather(traced(FUTURE_SLEEP_S, "ready"), traced(FUTURE_SLEEP_S, "set"))
    results = await watchdog.finishes(
        both,
        f"future_sleep({FUTURE_SLEEP_S})",
        advice="the Future it awaits is never filled. Is the call_later callback one that "
        "calls future.set_result(result)?",
        function=future_sleep,
    )
    if any(isinstance(result, asyncio.Future) for result in results):
        raise Mistake(f"future_sleep returned {results[0]!r}: `return await future`")
    if results != ["ready", "set"]:
        raise Mistake(f"future_sleep(0.1, 'ready') returned {results[0]!r}, not 'ready'")
    if timeline.overlap("future_sleep #1", "future_sleep #2") == 0:
        raise Mistake(
            "two future_sleep calls ran one after the other: something blocks the loop "
            "(time.sleep?). Let loop.call_later fill the Future, and await it"
        )
    shortest = min(timeline.duration(name) for name in timeline.names)
    resolution = time.get_clock_info("monotonic").resolution
    if shortest < FUTURE_SLEEP_S - resolution - 0.001:
        raise Mistake(
            f"future_sleep({FUTURE_SLEEP_S}) returned after {shortest:.3f} s: fill the Future "
            "after `seconds`, with loop.call_later"
        )
    return timeline


async def _cancelled_long_sleep(future_sleep: Any, loop: asyncio.AbstractEventLoop) -> None:
    """Cancel a long future_sleep while it waits: it ends cancelled, its timer cancelled."""
    with _Timers(loop) as timers:
        sleeper = asyncio.create_task(future_sleep(LONG_S))
        await asyncio.sleep(0)  # the task starts: its timer is set and it waits
    sleeper.cancel()
    await asyncio.gather(sleeper, return_exceptions=True)
    if not sleeper.cancelled():
        raise Mistake(
            "future_sleep swallowed its cancellation: the task finished normally. Cancel the "
            "timer in `finally` (or re-raise CancelledError)"
        )
    later = loop.time() + LONG_S / 2  # only the long sleep's timer is due so late
    left = [h for h in timers.made if h.when() > later and not h.cancelled()]
    if left:
        for handle in left:
            handle.cancel()
        raise Mistake(
            f"after future_sleep({LONG_S:g}) was cancelled, its timer was still set to fire in "
            "an hour (and to fill a cancelled Future). Cancel the handle call_later returned, "
            "in a `finally`"
        )


async def _cancel_in_the_timers_pass(future_sleep: Any, loop: asyncio.AbstractEventLoop) -> None:
    """A slow step holds the loop past both the cancel and the timer: one pass runs both."""
    sleeper = asyncio.create_task(future_sleep(SAME_PASS_S))
    await asyncio.sleep(0)  # the task starts: its timer is set
    loop.call_later(SAME_PASS_S / 5, time.sleep, 2 * SAME_PASS_S)  # a slow step
    loop.call_later(SAME_PASS_S / 2, sleeper.cancel)  # due before the timer: runs first
    await asyncio.gather(sleeper, return_exceptions=True)
    await asyncio.sleep(0)  # any callback still queued for this pass runs now
