"""What 03-event-loop defines before its exercises, and named wrong answers to them."""

import asyncio
import time

from solutions import NotApplicable, WrongAnswer, named

from helpers.lessons.toyloop import Readable, Sleep, ToyLoop
from helpers.measure.timeline import Timeline


def notebook_namespace() -> dict:
    """What 03-event-loop defines before its exercises, as the exercises use it."""
    return named(asyncio, time, Readable, Sleep, ToyLoop, Timeline)


# the shown solution's prediction and signature (a wrong answer written without type hints)
PREDICTED = '["a 3", "b 3", "a 2", "b 2", "a 1", "b 1"]'
COUNTDOWN = "def countdown(name: str, n: int, log: list[str]):"

WRONG_ANSWERS = {
    "check_countdown": {
        "time.sleep and no yield": WrongAnswer.from_solution(
            "        yield Sleep(0.05)",
            "        time.sleep(0.05)",
            says=r"not a generator: with no `yield` in it, it ran to the end when called",
            kind="other",
        ),
        "time.sleep, then a bare yield": WrongAnswer.from_solution(
            "        yield Sleep(0.05)",
            "        time.sleep(0.05)\n        yield",
            says=r"paused with \[None, .*`yield Sleep\(0.05\)`. time.sleep blocks the whole loop",
            kind="structure",
        ),
        "counts up": WrongAnswer.from_solution(
            "range(n, 0, -1)",
            "range(1, n + 1)",
            says=r"logged \['a 1', 'a 2', 'a 3'\]: count from n down to 1",
            kind="other",
        ),
        "asyncio.sleep on the toy loop": WrongAnswer.from_solution(
            PREDICTED,
            '["a 3", "a 2", "a 1", "b 3", "b 2", "b 1"]',
            says=r"The toy loop understands only its own requests",
            kind="other",
        )
        .also(COUNTDOWN, "async def countdown(name, n, log):")
        .also("yield Sleep(0.05)", "await asyncio.sleep(0.05)"),
        "always from 3": WrongAnswer.from_solution(
            "range(n, 0, -1)",
            "(3, 2, 1)",
            says=r"countdown\('a', 4, log\) and countdown\('b', 2, log\) logged .*: count from n",
            kind="luck",
        ),
        "i never decreases": WrongAnswer.from_solution(
            "    for i in range(n, 0, -1):",
            "    i = n\n    while i > 0:",
            says=r"were still running after 1 s, with \d+ lines logged: does your loop ever end",
            kind="hang",
        ).also(COUNTDOWN, "def countdown(name, n, log):"),
        "one pause, after the whole count": WrongAnswer.from_solution(
            '        log.append(f"{name} {i}")\n        yield Sleep(0.05)',
            '        log.append(f"{name} {i}")\n    yield Sleep(0.05)',
            says=r"the countdowns did not take turns: \['a 3', 'a 2', 'a 1', 'b 3'",
            kind="structure",
        ),
        "the prediction not a list": WrongAnswer.from_solution(
            PREDICTED,
            '"a 3, b 3, a 2, b 2, a 1, b 1"',
            says=r"write your prediction as a list of the lines",
            kind="other",
        ).also(COUNTDOWN, "def countdown(name, n, log):"),
    },
    "check_future_sleep": {
        "the timer is not cancelled": WrongAnswer.from_solution(
            "    try:\n        return await future\n    finally:\n"
            "        timer.cancel()  # a no-op if it fired; stops it if we were cancelled",
            "    return await future",
            says=r"its timer was still set to fire in an hour.*Cancel the handle call_later",
            kind="half",
        ),
        "set_result with no guard": WrongAnswer.from_solution(
            "lambda: future.done() or future.set_result(result)",
            "future.set_result, result",
            says=r"InvalidStateError.*the cancel and the timer fell due in the same pass",
            kind="luck",
        ),
        "asyncio.sleep inside": WrongAnswer(
            """
async def future_sleep(seconds, result=None):
    return await asyncio.sleep(seconds, result)
""",
            says=r"the answer calls asyncio.sleep, which is what the exercise asks you to write",
            kind="bypass",
        ),
        "the Future returned, not awaited": WrongAnswer.from_solution(
            "        return await future",
            "        return future",
            says=r"future_sleep returned <Future .*>: `return await future`",
            kind="other",
        ),
        "the cancellation swallowed": WrongAnswer.from_solution(
            "    finally:\n        timer.cancel()",
            "    except asyncio.CancelledError:\n        timer.cancel()",
            says=r"future_sleep swallowed its cancellation",
            kind="other",
        ),
        "time.sleep, then set_result": WrongAnswer(
            """
async def future_sleep(seconds, result=None):
    future = asyncio.get_running_loop().create_future()
    time.sleep(seconds)
    future.set_result(result)
    return await future
""",
            says=r"ran one after the other: something blocks the loop",
            kind="structure",
        ),
        "a Future nothing fills": WrongAnswer.from_solution(
            "lambda: future.done() or future.set_result(result)",
            "lambda: future.done() or future.set_result",
            says=r"still waiting after 2 s, with the loop free: the Future it awaits is never",
            kind="hang",
        ),
    },
}


# Kinds that no wrong answer here covers, with the reason they do not apply (issue 23).
NOT_APPLICABLE: NotApplicable = {
    "check_countdown": {
        "bypass": "no library function or course helper writes a task for the toy loop",
        "half": "a countdown has one path: no error or cancel path to leave out",
    },
}
