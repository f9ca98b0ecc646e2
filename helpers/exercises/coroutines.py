"""Self-checks for 02-coroutines: awaiting every step; a result in a plain function; Ctrl-C."""

from __future__ import annotations

import asyncio
import gc
import inspect
import sys
import threading
import warnings
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from helpers.exercises import Mistake, answer, passed, self_check, watchdog
from helpers.exercises.bypass import refuse_references
from helpers.exercises.predictions import compare, prediction
from helpers.measure.timeline import Timeline

BREW_STEPS = [0.1, 0.2]  # seconds: boiling, then steeping
BREW_S = round(sum(BREW_STEPS), 3)
PREDICTION_TOLERANCE = 0.25  # a prediction within 25 % of the measurement counts as right
SETTLE_S = 5.0  # how long the check waits for threads an answer started and left running
WAITS_FOR_ITS_OWN_LOOP = (
    "it waits for the event loop that this very thread runs, so neither can go on (did it "
    "hand the coroutine to the running loop, with run_coroutine_threadsafe or ensure_future, "
    "and wait for the result?). Run the coroutine with asyncio.run in another thread, and "
    "wait for that thread"
)
SECONDS = "asyncio.sleep takes seconds, not milliseconds (0.1, not 100), and each step waits once"
FINISHES_THE_WORK = (
    "after the cancellation it kept waiting: on Ctrl-C, save and let the CancelledError go on. "
    "Do not wait for the work (or anything slow) in `except CancelledError:` or `finally:`"
)


@contextmanager
def _sleep_replaced(
    code_file: str, asked: Callable[[float], Awaitable[Any] | None]
) -> Iterator[None]:
    """While active, asyncio.sleep called from code_file goes through asked(delay) first.

    asked returns an awaitable to stand for the sleep, or None for the real sleep. Calls from
    anywhere else (the event loop's own code, the kernel) get the real asyncio.sleep.
    """
    real = asyncio.sleep

    def sleep(delay: float, result: Any = None) -> Awaitable[Any]:
        if sys._getframe(1).f_code.co_filename == code_file:
            instead = asked(delay)
            if instead is not None:
                return instead
        return real(delay, result)

    asyncio.sleep = sleep  # type: ignore[assignment]
    try:
        yield
    finally:
        asyncio.sleep = real


@self_check
async def check_brew_tea(namespace: dict[str, Any]) -> bool | None:
    """02-coroutines, exercise 1: every sleep awaited, and two brews wait side by side.

    Requires: PREDICTED_S recorded first; brew_tea is a coroutine function; no coroutine left
    never awaited; it returns "tea"; two brews gathered overlap (nothing blocks the loop); each
    brew asks asyncio.sleep for 0.1 s, then 0.2 s (a recording sleep notes what it is asked and
    when), the second once the first is over, and lasts their sum; it finishes (the watchdog).
    """
    brew_tea = answer(namespace, "brew_tea", "async def brew_tea()")
    predicted = prediction(namespace, "PREDICTED_S")
    if not inspect.iscoroutinefunction(brew_tea):
        raise Mistake("brew_tea is a plain function: define it with `async def`")
    timeline = Timeline()
    brew = timeline.traced(brew_tea)
    asked: dict[object, list[tuple[float, float]]] = {}  # brew -> (delay, when it was asked)
    loop = asyncio.get_running_loop()

    def note(delay: float) -> None:
        asked.setdefault(asyncio.current_task(), []).append((delay, loop.time()))

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with _sleep_replaced(brew_tea.__code__.co_filename, note):
            start = loop.time()
            cups = await watchdog.finishes(
                asyncio.gather(brew(), brew()),
                "asyncio.gather(brew_tea(), brew_tea())",
                advice=SECONDS,
                function=brew_tea,
            )
            elapsed = loop.time() - start
        gc.collect()  # a coroutine nobody awaited warns when it is freed
    never_awaited = sorted({str(w.message) for w in caught if "never awaited" in str(w.message)})
    if never_awaited:
        raise Mistake(
            f"{'; '.join(never_awaited)}: calling asyncio.sleep(...) only builds a coroutine. "
            "Put `await` before each one"
        )
    if cups != ["tea", "tea"]:
        raise Mistake(f"brew_tea() returned {cups[0]!r}, not 'tea'")
    if timeline.overlap("brew_tea #1", "brew_tea #2") == 0:
        raise Mistake(
            "two brews ran one after the other, never side by side: time.sleep blocks the event "
            "loop while it waits. Wait with `await asyncio.sleep(...)`"
        )
    if not asked:
        raise Mistake(
            "no brew called asyncio.sleep where the check can see it: write each step as "
            "`await asyncio.sleep(...)`; a bare `sleep` (from `from asyncio import sleep`) hides it"
        )
    for steps in asked.values():
        if [delay for delay, _ in steps] != BREW_STEPS:
            raise Mistake(
                f"a brew asked asyncio.sleep for {[delay for delay, _ in steps]} s: the recipe is "
                f"{BREW_STEPS[0]} s of boiling, then {BREW_STEPS[1]} s of steeping. Await each "
                "step, in that order"
            )
        if steps[1][1] - steps[0][1] < 0.9 * BREW_STEPS[0]:  # a busy loop only widens the gap
            raise Mistake(
                f"a brew asked for its {BREW_STEPS[1]} s of steeping "
                f"{steps[1][1] - steps[0][1]:.2f} s after its {BREW_STEPS[0]} s of boiling, before "
                "the boiling was over: await the steps one after the other, boiling before steeping"
            )
    shortest = min(timeline.duration(name) for name in timeline.names)
    if shortest < 0.9 * BREW_S:
        raise Mistake(
            f"brew_tea took {shortest:.2f} s, less than its steps' {BREW_S} s: await the "
            "steps one after the other, boiling before steeping"
        )
    compare(predicted, elapsed, PREDICTION_TOLERANCE)
    return passed("brew_tea awaits both steps, and two brews waited side by side")


async def _answer_to(token: object) -> object:
    """A coroutine that really waits (so that stepping it by hand fails), then returns token."""
    await asyncio.sleep(0.01)
    return token


async def _no_answer(error: BaseException) -> None:
    """A coroutine that waits, then raises error: its caller must see that very error."""
    await asyncio.sleep(0.01)
    raise error


def _call_elsewhere(run_elsewhere: Callable[[Any], Any], coroutine: Any) -> Any:
    """Call run_elsewhere(coroutine) under the watchdog; close the coroutine if it never ran.

    An exception that ends a thread it started is a Mistake (it never reached the caller),
    instead of a traceback printed under the check.
    """
    escaped: list[BaseException | None] = []
    hook = threading.excepthook
    threading.excepthook = lambda args: escaped.append(args.exc_value)
    before = set(threading.enumerate())
    try:
        with watchdog.blocking("run_elsewhere(coroutine)", advice=WAITS_FOR_ITS_OWN_LOOP):
            result = run_elsewhere(coroutine)  # a plain call, with a loop running here
    finally:
        for thread in set(threading.enumerate()) - before:  # threads the answer left running
            if not thread.daemon:
                thread.join(SETTLE_S)
        threading.excepthook = hook
        if inspect.getcoroutinestate(coroutine) == inspect.CORO_CREATED:
            coroutine.close()  # never started: close it, so it does not warn "never awaited"
    if escaped:
        raise Mistake(
            f"the coroutine's {type(escaped[0]).__name__} ended the other thread and never "
            "reached the caller, and run_elsewhere returned normally: the error was lost. "
            "Let the coroutine's own exception reach the caller (Future.result() raises it)"
        )
    return result


@self_check
async def check_run_elsewhere(namespace: dict[str, Any]) -> bool | None:
    """02-coroutines, exercise 2: a plain function gets a coroutine's result inside the kernel.

    Requires: no nest_asyncio2 patch (the kernel's loop unpatched, no apply() in the answer);
    run_elsewhere returns what a coroutine that really waits returns; it does not block on the
    loop of its own thread (the watchdog turns that deadlock into a Mistake); the loop it makes
    is closed (no "unclosed event loop" when it is freed); an exception the coroutine raises
    reaches the caller as it was raised.
    """
    run_elsewhere = answer(namespace, "run_elsewhere", "run_elsewhere(coroutine)")
    if hasattr(type(asyncio.get_running_loop()), "_nest_patched"):
        raise Mistake(
            "the kernel's event loop is patched by nest_asyncio: this exercise needs no patch "
            "(restart the kernel to undo it)"
        )
    if inspect.isfunction(run_elsewhere):
        refuse_references(
            run_elsewhere,
            ["nest_asyncio2.apply"],
            "the exercise is to do without the patch: run the coroutine on a new loop in "
            "another thread",
        )
    token = object()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = _call_elsewhere(run_elsewhere, _answer_to(token))
        except RuntimeError as refused:
            raise Mistake(
                f"RuntimeError: {refused}. This thread already runs an event loop, so no loop can "
                "run the coroutine here: run it with asyncio.run in another thread"
            ) from None
        gc.collect()  # an event loop left open warns when it is freed
    if result is not token:
        raise Mistake(
            f"run_elsewhere returned {result!r}, not the coroutine's result: wait for the "
            "other thread to finish and return what the coroutine returned (stepping the "
            "coroutine by hand stops at its first await)"
        )
    unclosed = [w for w in caught if "unclosed event loop" in str(w.message)]
    if unclosed:
        raise Mistake(
            "the event loop it made was never closed (ResourceWarning: unclosed event loop): "
            "asyncio.run closes its loop, and cancels what is left, on the way out"
        )
    error = ValueError("the coroutine failed")
    try:
        _call_elsewhere(run_elsewhere, _no_answer(error))
    except ValueError as raised:
        if raised is not error:
            raise Mistake(
                f"it raised a different ValueError ({raised}) from the coroutine's"
            ) from None
    except Exception as raised:
        raise Mistake(
            f"when the coroutine raised ValueError, run_elsewhere raised "
            f"{type(raised).__name__}: {raised}. Let the coroutine's own exception reach the "
            "caller (Future.result() raises it)"
        ) from None
    else:
        raise Mistake(
            "when the coroutine raised ValueError, run_elsewhere returned normally: the error "
            "was lost. Let the coroutine's own exception reach the caller"
        )
    return passed("run_elsewhere ran the coroutine on its own loop in another thread")


async def _ended(task: asyncio.Task[Any], what: str, advice: str, function: Any) -> None:
    """Wait until the task is done, without its outcome; a hang is a Mistake."""
    try:
        await watchdog.finishes(asyncio.wait([task]), what, advice=advice, function=function)
    finally:
        if not task.done():
            task.cancel()
            await asyncio.wait([task], timeout=1)


def _work(
    ending: str, log: list[str], at_work: list[list[str]], error: OSError
) -> Callable[[float], Awaitable[Any] | None]:
    """What main's work does for one ending: note the log, then return, raise, or really wait."""

    def work(delay: float) -> Awaitable[Any] | None:
        at_work.append(list(log))
        if ending == "returns":
            return asyncio.sleep(0)
        if ending == "raises":
            return _no_answer(error)
        return None  # the real sleep, until main is cancelled

    return work


@self_check
async def check_main_saves(namespace: dict[str, Any]) -> bool | None:
    """02-coroutines, exercise 3: main saves however the work ends, and stays cancelled.

    The work is main's `await asyncio.sleep(...)`: for main's calls only, the check makes it
    return at once, raise OSError, or wait until main is cancelled as asyncio.run does on
    Ctrl-C. Requires: main is a coroutine function that does the work; when the work starts,
    nothing is saved yet; however the work ends, 'saved' is logged after it, once (the log
    ['started', 'saved']); and, a requirement of its own, what ended the work goes on: main
    returns after a return, the OSError goes on, and a cancelled main ends cancelled (the
    CancelledError re-raised, not swallowed); main ends within the watchdog's time each way.
    All three endings run before the verdict, which names a wrong save and a swallowed error or
    cancellation together.
    """
    main = answer(namespace, "main", "async def main(log)")
    if not inspect.iscoroutinefunction(main):
        raise Mistake("main is a plain function: define it with `async def`")
    code_file = main.__code__.co_filename
    runs: list[_Run] = []
    error = OSError("the disk is full")
    for ending in ("returns", "raises", "is cancelled"):
        log: list[str] = []
        at_work: list[list[str]] = []  # the log each time the work started
        work = _work(ending, log, at_work, error)
        with _sleep_replaced(code_file, work):
            task = asyncio.create_task(main(log))
            if ending == "is cancelled":
                for _ in range(100):  # until the work starts, or main ends: about a second
                    if at_work or task.done():
                        break
                    await asyncio.sleep(0.01)
                task.cancel()  # what asyncio.run does to the main task on Ctrl-C (3.11+)
            advice = FINISHES_THE_WORK if ending == "is cancelled" else watchdog.WAITING
            await _ended(task, "main(log)", advice, main)
        outcome = "cancelled" if task.cancelled() else task.exception()
        runs.append(_Run(ending, log, at_work, outcome))
    _judge(runs, error)
    return passed(
        "main saved after the work however it ended, let errors and the cancellation go on, "
        "so asyncio.run stops the program"
    )


@dataclass
class _Run:
    """One ending of main's work: its log, the log when the work started, and main's outcome."""

    ending: str
    log: list[str]
    at_work: list[list[str]]
    outcome: object  # "cancelled", the exception main ended with, or None


def _judge(runs: list[_Run], error: OSError) -> None:
    """Raise the Mistake main's runs show: a wrong save and a swallowed ending, both named."""
    for run in runs:
        if not run.at_work:
            raise Mistake(
                f"main never started the work (log {run.log}): between 'started' and 'saved' it "
                "should `await asyncio.sleep(3600)`, standing for the work"
            )
        if "saved" in run.at_work[0]:
            raise Mistake(
                f"main saved before the work began (the log was {run.at_work[0]} when it "
                "started): save after the work, in `finally:`, so that the save has the work's "
                "result"
            )
    problems = [_save_problem(runs), _outcome_problem(runs, error)]
    if any(problems):
        raise Mistake(". And ".join(problem for problem in problems if problem))


def _save_problem(runs: list[_Run]) -> str | None:
    """What is wrong with the saving, on the first ending that shows it."""
    why = {
        "returns": "the save runs only on cancellation or error: put it in `finally:`",
        "raises": "the lines after the await never run when it raises: save in `finally:`",
        "is cancelled": (
            "the CancelledError is raised at the `await`, and it is not an Exception (a "
            "BaseException), so `except Exception` misses it. Save in `finally:`"
        ),
    }
    when = {"returns": "returned", "raises": "raised", "is cancelled": "was cancelled"}
    for run in runs:
        if "saved" not in run.log:
            return f"when the work {when[run.ending]}, the log was {run.log}: {why[run.ending]}"
    for run in runs:
        if run.log != ["started", "saved"]:
            return f"the log is {run.log}, not ['started', 'saved']: append each once, in order"
    return None


def _outcome_problem(runs: list[_Run], error: OSError) -> str | None:
    """What main did not let go on (an error, the cancellation), on the first ending to show it."""
    for run in runs:
        if run.ending == "returns" and run.outcome is not None:
            return f"when the work returned, main raised {run.outcome!r}: it should return"
        if run.ending == "raises" and run.outcome is not error:
            return (
                f"when the work raised OSError, main ended with {run.outcome!r}: let the error "
                "go on after saving (`finally:`, or `raise` in the except block)"
            )
        if run.ending == "is cancelled" and run.outcome != "cancelled":
            ended = "returned" if run.outcome is None else f"raised {run.outcome!r}"
            return (
                f"when the work was cancelled, main swallowed the CancelledError and {ended}: "
                "on Python 3.11+ asyncio.run would then return as if the work were done, and "
                "Ctrl-C would not stop the program. Let it propagate: `finally:`, or `raise` "
                "after saving"
            )
    return None
