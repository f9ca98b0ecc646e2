"""Self-checks for 03-event-loop: a toy-loop countdown, a Future sleep, threads and the loop."""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import threading
from collections.abc import Generator
from typing import Any

from helpers.exercises import Mistake, answer, passed
from helpers.lessons.toyloop import Sleep, ToyLoop
from helpers.measure.timeline import Timeline

COUNTDOWN_STEP_S = 0.05
TAKING_TURNS = ["a 3", "b 3", "a 2", "b 2", "a 1", "b 1"]
FUTURE_SLEEP_S = 0.1
NAP_S = 0.05  # the nap that runs beside lookup
SAVE_PARTS = 20  # parts save_stoppable is asked to save, 0.02 s each


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


def check_countdown(namespace: dict[str, Any]) -> bool | None:
    """03-event-loop, exercise 1: two countdowns take turns on the toy loop, sleeping in it."""
    countdown = answer(namespace, "countdown", "countdown(name, n, log)")
    if countdown is None:
        return None
    log: list[str] = []
    requests: list[Any] = []
    bodies = {name: countdown(name, 3, log) for name in "ab"}
    for body in bodies.values():
        if not (inspect.isgenerator(body) or inspect.iscoroutine(body)):
            raise Mistake(
                f"countdown(...) returned {body!r}, not a generator: with no `yield` in it, it "
                "ran to the end when called. Pause with `yield Sleep(0.05)`"
            )
    toy = ToyLoop(timeout=10)
    for name, body in bodies.items():
        toy.spawn(name, _watched(body, requests))
    try:
        toy.run()
    except (TypeError, RuntimeError) as error:
        raise Mistake(
            f"{type(error).__name__}: {error}. The toy loop understands only its own requests: "
            "`yield Sleep(0.05)`, not asyncio.sleep, which belongs to asyncio's loop"
        ) from None
    finally:
        for body in bodies.values():
            body.close()  # a no-op for finished ones; a countdown never started does not warn
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
    return passed(f"the countdowns took turns, sleeping in the loop: {log}")


async def check_future_sleep(namespace: dict[str, Any]) -> bool | None:
    """03-event-loop, exercise 2: the result, the wait, and a clean cancellation."""
    future_sleep = answer(namespace, "future_sleep", "async def future_sleep(seconds, result=None)")
    if future_sleep is None:
        return None
    if not inspect.iscoroutinefunction(future_sleep):
        raise Mistake("future_sleep is a plain function: define it with `async def`")
    timeline = Timeline()
    traced = timeline.traced(future_sleep)
    results = await asyncio.gather(traced(FUTURE_SLEEP_S, "ready"), traced(FUTURE_SLEEP_S, "set"))
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
    if shortest < 0.9 * FUTURE_SLEEP_S:
        raise Mistake(
            f"future_sleep(0.1) returned after {shortest:.2f} s: fill the Future after "
            "`seconds`, with loop.call_later"
        )
    loop = asyncio.get_running_loop()
    errors: list[str] = []
    previous_handler = loop.get_exception_handler()
    loop.set_exception_handler(lambda _, context: errors.append(context["message"]))
    try:
        sleeper = asyncio.create_task(future_sleep(0.05))
        await asyncio.sleep(0)  # the task starts: its timer is set and it waits
        sleeper.cancel()
        await asyncio.gather(sleeper, return_exceptions=True)
        await asyncio.sleep(0.1)  # past the moment the timer would fire
    finally:
        loop.set_exception_handler(previous_handler)
    if not sleeper.cancelled():
        raise Mistake(
            "future_sleep swallowed its cancellation: the task finished normally. Cancel the "
            "timer in `finally` (or re-raise CancelledError)"
        )
    if errors:
        raise Mistake(
            f"the loop reported {errors[0]!r} after the task was cancelled: the timer still "
            "fired. Cancel the handle call_later returned, in a `finally`"
        )
    return passed("future_sleep waits, returns its result, and cleans up when cancelled")


async def check_lookup(namespace: dict[str, Any]) -> bool | None:
    """03-event-loop, exercise 3: slow_lookup runs off the loop's thread; a nap beside it wakes."""
    lookup = answer(namespace, "lookup", "async def lookup(key)")
    if lookup is None:
        return None
    slow_lookup = namespace["slow_lookup"]
    loop_thread = threading.get_ident()
    ran_in: list[int] = []

    def watched_lookup(key: str) -> str:
        ran_in.append(threading.get_ident())
        return slow_lookup(key)

    timeline = Timeline()

    async def nap() -> None:
        with timeline.task("nap") as span, span.waiting():
            await asyncio.sleep(NAP_S)

    napping = asyncio.create_task(nap())
    await asyncio.sleep(0)  # the nap, and its clock, start before lookup is called
    namespace["slow_lookup"] = watched_lookup  # the answer looks it up when it calls it
    error: Exception | None = None
    try:
        result = lookup("course")
        if not inspect.isawaitable(result):
            raise Mistake(f"lookup('course') returned {result!r}: define it with `async def`")
        value = await result
    except Mistake:
        raise
    except Exception as exc:
        error = value = exc
    finally:
        namespace["slow_lookup"] = slow_lookup
        await napping
    if loop_thread in ran_in:
        raise Mistake(
            f"slow_lookup ran on the event loop's thread and blocked it: a {NAP_S} s nap that "
            f"started before lookup took {timeline.duration('nap'):.2f} s. "
            "Run it in a thread: `await asyncio.to_thread(slow_lookup, key)`"
        )
    if error is not None:
        raise Mistake(f"lookup('course') raised {error!r}") from error
    if inspect.iscoroutine(value) or isinstance(value, asyncio.Future):
        if inspect.iscoroutine(value):
            value.close()
        raise Mistake(f"lookup returned {value!r}, not the answer: await it")
    if not ran_in:
        raise Mistake("lookup never called slow_lookup: return slow_lookup's answer")
    if value != "COURSE":
        raise Mistake(f"lookup('course') returned {value!r}, not 'COURSE'")
    return passed(
        f"lookup answered off the loop's thread; a {NAP_S} s nap beside it "
        f"took {timeline.duration('nap'):.2f} s"
    )


async def check_fetch_from_thread(namespace: dict[str, Any]) -> bool | None:
    """03-event-loop, exercise 4: a worker thread runs fetch_page on the running loop and waits."""
    fetch_from_thread = answer(namespace, "fetch_from_thread", "fetch_from_thread(loop, name)")
    if fetch_from_thread is None:
        return None
    if inspect.iscoroutinefunction(fetch_from_thread):
        raise Mistake(
            "fetch_from_thread is an `async def`: a worker thread cannot await it. Make it a "
            "plain function that hands the coroutine to the loop and waits for the result"
        )
    fetch_page = namespace["fetch_page"]
    loop = asyncio.get_running_loop()
    ran_on: list[asyncio.AbstractEventLoop] = []
    made: list[Any] = []

    async def watched(name: str) -> str:
        ran_on.append(asyncio.get_running_loop())
        return await fetch_page(name)

    def watched_fetch_page(name: str) -> Any:
        coroutine = watched(name)
        made.append(coroutine)
        return coroutine

    namespace["fetch_page"] = watched_fetch_page  # the answer looks it up when it calls it
    try:
        value = await asyncio.to_thread(fetch_from_thread, loop, "index")
    except Exception as error:
        raise Mistake(
            f"fetch_from_thread raised {type(error).__name__}: {error}. In a worker thread no "
            "loop runs, and the program's loop is busy: hand the coroutine to it with "
            "asyncio.run_coroutine_threadsafe(coroutine, loop)"
        ) from None
    finally:
        namespace["fetch_page"] = fetch_page
        for coroutine in made:
            if inspect.getcoroutinestate(coroutine) == inspect.CORO_CREATED:
                coroutine.close()  # never started: close it, so it does not warn
    if isinstance(value, concurrent.futures.Future):
        await asyncio.wrap_future(value)
        raise Mistake(
            "fetch_from_thread returned a concurrent.futures.Future, not the page: wait for "
            "it in the thread with `.result()`"
        )
    if isinstance(value, asyncio.Future):
        await value
        raise Mistake(
            "fetch_from_thread returned an asyncio Task: loop.create_task is not thread-safe "
            "(it may not run until something wakes the loop), and the thread cannot wait for "
            "a Task. Use asyncio.run_coroutine_threadsafe(coroutine, loop).result()"
        )
    if ran_on and ran_on[0] is not loop:
        raise Mistake(
            "fetch_page ran on a new loop of its own (asyncio.run in the worker thread?), not "
            "on the program's loop, where its session, locks and queues live. Hand it to that "
            "loop: asyncio.run_coroutine_threadsafe(coroutine, loop)"
        )
    if not ran_on:
        raise Mistake("fetch_from_thread never ran fetch_page(name): return its page")
    if value != "<html>index</html>":
        raise Mistake(f"fetch_from_thread(loop, 'index') returned {value!r}, not the page")
    return passed("the worker thread ran fetch_page on the program's loop and got the page back")


async def check_save_stoppable(namespace: dict[str, Any]) -> bool | None:
    """03-event-loop, exercise 5: a cancel stops the thread, and the task stays cancelled."""
    save_stoppable = answer(namespace, "save_stoppable", "async def save_stoppable(parts, saved)")
    if save_stoppable is None:
        return None
    if not inspect.iscoroutinefunction(save_stoppable):
        raise Mistake("save_stoppable is a plain function: define it with `async def`")
    save_parts_until = namespace["save_parts_until"]
    loop_thread = threading.get_ident()
    calls: list[int] = []  # the thread each call ran in
    ended = threading.Event()

    def watched(parts: int, saved: list[int], stop: threading.Event) -> None:
        calls.append(threading.get_ident())
        try:
            save_parts_until(parts, saved, stop)
        finally:
            ended.set()

    namespace["save_parts_until"] = watched  # the answer looks it up when it calls it
    saved: list[int] = []
    try:
        task = asyncio.create_task(save_stoppable(SAVE_PARTS, saved))
        for _ in range(200):  # until the first part is saved, or the task ends: about 2 s
            if saved or task.done():
                break
            await asyncio.sleep(0.01)
        if task.done():
            if not task.cancelled():
                task.exception()  # retrieved, so that an error is not reported again
            raise Mistake(
                f"save_stoppable ended before it was cancelled, with {len(saved)} parts saved: "
                + (
                    "save_parts_until ran on the loop's thread and blocked it. Run it with "
                    "`await asyncio.to_thread(save_parts_until, parts, saved, stop)`"
                    if loop_thread in calls
                    else "it should save until it is cancelled"
                )
            )
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        at_cancel = len(saved)
        if calls:
            await asyncio.to_thread(ended.wait, 10)
    finally:
        namespace["save_parts_until"] = save_parts_until
    if not calls:
        raise Mistake("save_stoppable never called save_parts_until(parts, saved, stop)")
    after = len(saved) - at_cancel
    if after > 1:
        raise Mistake(
            f"the thread saved {after} more parts after the task was cancelled: cancelling the "
            "await does not stop the thread. Set the stop Event when the task is cancelled"
        )
    if not task.cancelled():
        raise Mistake(
            "save_stoppable stopped its thread but swallowed the CancelledError: the task "
            "finished normally, so whoever cancelled it thinks the save completed. Re-raise "
            "it (`raise`), or set the Event in `finally:`"
        )
    return passed(f"cancelled after {at_cancel} part(s), the thread saved {after} more and stopped")
