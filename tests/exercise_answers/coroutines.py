"""What 02-coroutines defines before its exercises, and named wrong answers to them."""

import asyncio
import gc
import inspect
import threading
import warnings

from solutions import WrongAnswer, named, template


def notebook_namespace() -> dict:
    """What 02-coroutines defines before its exercises, as the exercises use it."""

    async def add(a: int, b: int) -> int:
        return a + b

    return named(asyncio, gc, inspect, threading, warnings, add)


BREW = """
async def brew_tea():
    print("boiling water")
    {first}
    print("steeping")
    {second}
    return "tea"
"""


def brew(first: str, second: str, prediction: str = "PREDICTED_S = 0.3\n") -> str:
    """A brew_tea with these two steps, after a prediction."""
    return prediction + BREW.format(first=first, second=second)


# main as learners write it (no type hints): each wrong answer fills in what follows "started"
main = template("""
async def main(log):
    log.append("started")
    ...
""")
SAVES_ON_CANCELLATION = main("""
    try:
        await asyncio.sleep(3600)
    except asyncio.CancelledError:
        log.append("saved")
        raise
""")


WRONG_ANSWERS = {
    "check_brew_tea": {
        "the awaits still missing": WrongAnswer(
            brew("asyncio.sleep(0.1)", "asyncio.sleep(0.2)"),
            says=r"coroutine 'sleep' was never awaited: .* Put `await` before each one",
            kind="other",
        ),
        "two time.sleep calls": WrongAnswer(
            "import time\n" + brew("time.sleep(0.1)", "time.sleep(0.2)"),
            says=r"ran one after the other, never side by side: time.sleep blocks the event loop",
            kind="structure",
        ),
        "only the first sleep awaited": WrongAnswer(
            brew("await asyncio.sleep(0.1)", "asyncio.sleep(0.2)"),
            says=r"coroutine 'sleep' was never awaited",
            kind="other",
        ),
        "both steps gathered at once": WrongAnswer(
            brew("", "await asyncio.gather(asyncio.sleep(0.1), asyncio.sleep(0.2))"),
            says=r"less than its steps' 0.3 s: await the steps one after the other",
            kind="structure",
        ),
        "one wait for both steps": WrongAnswer(
            brew("", "await asyncio.sleep(0.3)"),
            says=r"a brew asked asyncio.sleep for \[0.3\] s: the recipe is 0.1 s of boiling",
            kind="structure",
        ),
        "a bare sleep, imported from asyncio": WrongAnswer(
            "from asyncio import sleep\n" + brew("await sleep(0.1)", "await sleep(0.2)"),
            says=r"no brew called asyncio.sleep where the check can see it: .* a bare `sleep`",
            kind="other",
        ),
        "milliseconds for seconds": WrongAnswer(
            brew("await asyncio.sleep(100)", "await asyncio.sleep(200)"),
            says=r"still waiting after [\d.]+ s, with the loop free: asyncio.sleep takes seconds",
            kind="hang",
        ),
        "the prediction in words": WrongAnswer(
            brew("await asyncio.sleep(0.1)", "await asyncio.sleep(0.2)", 'PREDICTED_S = "0.3"\n'),
            says=r"PREDICTED_S = '0.3': write your prediction as a number",
            kind="other",
        ),
    },
    "check_run_elsewhere": {
        "asyncio.run in the calling thread": WrongAnswer(
            """
def run_elsewhere(coroutine):
    return asyncio.run(coroutine)
""",
            says=r"asyncio.run\(\) cannot be called from a running event loop\. This thread",
            kind="other",
        ),
        "run_until_complete on the kernel's loop": WrongAnswer(
            """
def run_elsewhere(coroutine):
    return asyncio.get_event_loop().run_until_complete(coroutine)
""",
            says=r"This event loop is already running\. This thread already runs an event loop",
            kind="other",
        ),
        "a new loop in the same thread": WrongAnswer(
            """
def run_elsewhere(coroutine):
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coroutine)
    finally:
        loop.close()
""",
            says=r"Cannot run the event loop while another loop is running",
            kind="other",
        ),
        "a thread that nobody waits for": WrongAnswer(
            """
def run_elsewhere(coroutine):
    threading.Thread(target=asyncio.run, args=(coroutine,)).start()
""",
            says=r"returned None, not the coroutine's result: wait for the other thread",
            kind="other",
        ),
        "steps the coroutine by hand (right only if it never waits)": WrongAnswer(
            """
def run_elsewhere(coroutine):
    try:
        coroutine.send(None)
    except StopIteration as finished:
        return finished.value
""",
            says=r"not the coroutine's result: .* \(stepping the coroutine by hand stops at",
            kind="luck",
        ),
        "patches the kernel's loop with nest_asyncio2": WrongAnswer(
            """
def run_elsewhere(coroutine):
    import nest_asyncio2
    nest_asyncio2.apply()
    return asyncio.get_event_loop().run_until_complete(coroutine)
""",
            says=r"the answer calls nest_asyncio2.apply, .*: the exercise is to do without",
            kind="bypass",
        ),
        "a new loop in another thread, never closed": WrongAnswer.from_solution(
            "return pool.submit(asyncio.run, coroutine).result()",
            "loop = asyncio.new_event_loop()\n"
            "        return pool.submit(loop.run_until_complete, coroutine).result()",
            says=r"the event loop it made was never closed \(ResourceWarning: unclosed event loop",
            kind="structure",
        ),
        "the coroutine's exception lost in the thread": WrongAnswer(
            """
def run_elsewhere(coroutine):
    results = []
    thread = threading.Thread(target=lambda: results.append(asyncio.run(coroutine)))
    thread.start()
    thread.join()
    return results[0] if results else None
""",
            says=r"the coroutine's ValueError ended the other thread and never reached the caller",
            kind="half",
        ),
        "run_coroutine_threadsafe on the kernel's own loop, then .result()": WrongAnswer(
            """
def run_elsewhere(coroutine):
    return asyncio.run_coroutine_threadsafe(coroutine, asyncio.get_event_loop()).result()
""",
            says=r"run_elsewhere\(coroutine\) blocked the thread it was called on for [\d.]+ s, "
            r"the thread that runs the event loop in a notebook: it waits for the event loop "
            r"that this very thread runs",
            kind="hang",
        ),
    },
    "check_main_saves": {
        "the save after the await": WrongAnswer(
            main("""
                await asyncio.sleep(3600)
                log.append("saved")
            """),
            says=r"when the work raised, the log was \['started'\]: the lines after the await",
            kind="half",
        ),
        "saves only on cancellation": WrongAnswer(
            SAVES_ON_CANCELLATION,
            says=r"when the work returned, the log was \['started'\]: the save runs only on",
            kind="half",
        ),
        "except Exception misses the cancellation": WrongAnswer(
            main("""
                try:
                    await asyncio.sleep(3600)
                    log.append("saved")
                except Exception:
                    log.append("saved")
                    raise
            """),
            says=r"when the work was cancelled, .* so `except Exception` misses it",
            kind="half",
        ),
        "the cancellation swallowed": WrongAnswer(
            main("""
                try:
                    await asyncio.sleep(3600)
                except asyncio.CancelledError:
                    pass  # Ctrl-C: stop quietly
                finally:
                    log.append("saved")
            """),
            says=r"swallowed the CancelledError and returned: on Python 3.11\+ asyncio.run would",
            kind="other",
        ),
        "saves on cancellation and on return, and swallows the cancellation": WrongAnswer(
            SAVES_ON_CANCELLATION.replace(
                "        raise\n", '    else:\n        log.append("saved")\n'
            ),
            says=r"when the work raised, the log was \['started'\]: .* save in `finally:`\. And "
            r"when the work was cancelled, main swallowed the CancelledError and returned",
            kind="half",
        ),
        "saves before the work": WrongAnswer(
            main("""
                log.append("saved")
                await asyncio.sleep(3600)
            """),
            says=r"main saved before the work began \(the log was \['started', 'saved'\] when",
            kind="structure",
        ),
        "no work to cancel": WrongAnswer(
            main('log.append("saved")'),
            says=r"main never started the work \(log \['started', 'saved'\]\)",
            kind="other",
        ),
        "finishes the work after Ctrl-C": WrongAnswer.from_solution(
            "    finally:\n",
            "    except asyncio.CancelledError:\n"
            "        await asyncio.sleep(3600)  # finish the work first\n"
            "        raise\n"
            "    finally:\n",
            says=r"still waiting after [\d.]+ s, with the loop free: after the cancellation it",
            kind="hang",
        ),
    },
}


# Kinds that no wrong answer here covers, with the reason they do not apply (issue 23).
NOT_APPLICABLE = {
    "check_brew_tea": {
        "luck": "the recipe fixes the check's input (two steps, 0.1 s and 0.2 s): no data "
        "varies for an answer to be right by chance",
        "bypass": "no library function or course helper brews tea: the exercise is to add the "
        "missing awaits",
        "half": "brew_tea has one path: it neither fails nor is cancelled",
    },
    "check_main_saves": {
        "luck": "the check drives every ending itself (returns, raises, cancelled) and reads "
        "the log when the work starts: no data for an answer to be lucky with",
        "bypass": "no library function saves on every ending: try/finally, the language's own "
        "construct, is what the exercise teaches",
    },
}
