"""What 04-loop-and-threads defines before its exercises, and named wrong answers to them."""

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from solutions import NotApplicable, WrongAnswer, named


def notebook_namespace() -> dict:
    """What 04-loop-and-threads defines before its exercises, as the exercises use it."""

    def slow_lookup(key: str) -> str:
        time.sleep(0.3)
        return key.upper()

    def convert(name: str) -> str:
        time.sleep(0.05)
        return f"{name}.pdf"

    def save_parts_until(parts: int, saved: list[int], stop: threading.Event) -> None:
        for part in range(1, parts + 1):
            if stop.is_set():
                return
            time.sleep(0.02)
            saved.append(part)

    return named(
        asyncio,
        threading,
        time,
        ThreadPoolExecutor,
        slow_lookup,
        convert,
        save_parts_until,
        KEYS=[f"key {i}" for i in range(20)],
    )


SETTINGS = {"LOOKUP_S": 0.1, "CONVERT_S": 0.02}  # shorter waits for the wrong answers

# lines of the shown solutions, which wrong answers change
PREDICTION = "PREDICTED_S = 1.2  # on 2 CPUs: 6 threads, so 4 rounds of 0.3 s"
POOL = "    with ThreadPoolExecutor(max_workers=len(keys)) as pool:\n"
CALLS = (
    "        calls = [loop.run_in_executor(pool, slow_lookup, key) for key in keys]\n"
    "        return await asyncio.gather(*calls)"
)
CONVERT = "        results.append(convert(name))\n"
PUT = '        loop.call_soon_threadsafe(progress.put_nowait, f"{name} done")\n'
END = "    loop.call_soon_threadsafe(progress.put_nowait, None)"
THE_END = "  # the end: nothing more will come"

WRONG_ANSWERS = {
    "check_lookup_all": {
        "to_thread: the default pool": WrongAnswer.from_solution(
            "        calls = [loop.run_in_executor(pool, slow_lookup, key) for key in keys]",
            "        calls = [asyncio.to_thread(slow_lookup, key) for key in keys]",
            says=r"the lookups ran in the loop's default pool",
            kind="luck",
        ),
        "a pool of the default size": WrongAnswer.from_solution(
            "ThreadPoolExecutor(max_workers=len(keys))",
            "ThreadPoolExecutor()",
            says=r"at most \d+ of 36 lookups ran at once: a pool made without max_workers",
            kind="luck",
        ),
        "one lookup after another": WrongAnswer.from_solution(
            CALLS,
            "        return [await loop.run_in_executor(pool, slow_lookup, key) for key in keys]",
            says=r"at most 1 of 36 lookups ran at once",
            kind="structure",
        ).also(PREDICTION, "PREDICTED_S = 0.3"),
        "answers in the order they finish": WrongAnswer.from_solution(
            "return await asyncio.gather(*calls)",
            "return [await call for call in asyncio.as_completed(calls)]",
            says=r"must come in the order of the keys",
            kind="luck",
        ).also(PREDICTION, "PREDICTED_S = 1.2"),
        "the pool's with block ends before the await": WrongAnswer.from_solution(
            "        return await asyncio.gather(*calls)",
            "    return await asyncio.gather(*calls)",
            says=r"the loop was blocked while the lookups ran.*`with` block ending before",
            kind="structure",
        ),
        "pool.map on the loop's thread": WrongAnswer.from_solution(
            CALLS,
            "        return list(pool.map(slow_lookup, keys))",
            says=r"the loop was blocked while the lookups ran.*pool.map",
            kind="structure",
        ),
        "the pool never shut down": WrongAnswer.from_solution(
            POOL + CALLS,
            "    pool = ThreadPoolExecutor(max_workers=len(keys))\n"
            "    calls = [loop.run_in_executor(pool, slow_lookup, key) for key in keys]\n"
            "    return await asyncio.gather(*calls)",
            says=r"lookup_all returned without shutting its pool down",
            kind="half",
        ),
        "slow_lookup called on the loop": WrongAnswer.from_solution(
            "    loop = asyncio.get_running_loop()\n" + POOL + CALLS,
            "    return [slow_lookup(key) for key in keys]",
            says=r"slow_lookup ran on the event loop's thread and blocked it",
            kind="structure",
        ).also(PREDICTION, "PREDICTED_S = 1.2"),
        "the prediction as text": WrongAnswer.from_solution(
            "PREDICTED_S = 1.2",
            'PREDICTED_S = "about a second"',
            says=r"write your prediction as a number",
            kind="other",
        ),
    },
    "check_convert_all": {
        "put_nowait from the worker thread": WrongAnswer.from_solution(
            'loop.call_soon_threadsafe(progress.put_nowait, f"{name} done")',
            'progress.put_nowait(f"{name} done")',
            says=r"progress.put_nowait\('intro done'\) ran on the worker thread",
            kind="luck",
        ),
        "loop.call_soon from the worker thread": WrongAnswer.from_solution(
            'loop.call_soon_threadsafe(progress.put_nowait, f"{name} done")',
            'loop.call_soon(progress.put_nowait, f"{name} done")',
            says=r"RuntimeError in the worker: Non-thread-safe operation",
            kind="luck",
        ),
        "all lines at the end": WrongAnswer.from_solution(
            "    results = []\n",
            "    results = [convert(name) for name in files]\n",
            says=r"every line reached the loop only after the last file was converted",
            kind="structure",
        )
        .also(CONVERT, "")
        .also(THE_END, ""),
        "each line put before its file is converted": WrongAnswer.from_solution(
            CONVERT + PUT,
            PUT + CONVERT,
            says=r"'intro done' reached the loop before convert\('intro'\) had returned: put "
            r"each line after its file is converted",
            kind="structure",
        ).also(THE_END, ""),
        "no end marker": WrongAnswer.from_solution(
            END + THE_END + "\n",
            "",
            says=r"never put the end marker None.*would wait for ever",
            kind="hang",
        ),
        "the end marker put from the worker": WrongAnswer.from_solution(
            END,
            "    progress.put_nowait(None)",
            says=r"progress.put_nowait\(None\) ran on the worker thread",
            kind="half",
        ),
        "asyncio.run in the worker": WrongAnswer.from_solution(
            'loop.call_soon_threadsafe(progress.put_nowait, f"{name} done")',
            'asyncio.run(progress.put(f"{name} done"))',
            says=r"ran on the worker thread: asyncio.Queue is not thread-safe",
            kind="other",
        ),
        "an async def": WrongAnswer.from_solution(
            "def convert_all",
            "async def convert_all",
            says=r"convert_all is an `async def`: it runs in a worker thread",
            kind="other",
        )
        .also(
            CONVERT + PUT,
            "        results.append(await asyncio.to_thread(convert, name))\n"
            '        await progress.put(f"{name} done")\n',
        )
        .also(END + THE_END, "    await progress.put(None)"),
    },
    "check_save_stoppable": {
        "the thread not told to stop": WrongAnswer(
            """
async def save_stoppable(parts, saved):
    await asyncio.to_thread(save_parts_until, parts, saved, threading.Event())
""",
            says=r"the thread saved \d+ more parts after the task was cancelled: cancelling",
            kind="half",
        ),
        "the cancellation swallowed": WrongAnswer.from_solution(
            "    finally:\n        stop.set()",
            "    except asyncio.CancelledError:\n        stop.set()",
            says=r"stopped its thread but swallowed the CancelledError",
            kind="other",
        ),
        "called on the loop's thread": WrongAnswer(
            """
async def save_stoppable(parts, saved):
    save_parts_until(parts, saved, threading.Event())
""",
            says=r"save_parts_until ran on the loop's thread and blocked it",
            kind="structure",
        ),
        "the Event set only after the thread ends": WrongAnswer.from_solution(
            "    try:\n        await asyncio.to_thread(save_parts_until, parts, saved, stop)\n"
            "    finally:\n        stop.set()",
            "    await asyncio.to_thread(save_parts_until, parts, saved, stop)\n    stop.set()",
            says=r"the thread saved \d+ more parts after the task was cancelled",
            kind="half",
        ),
        "wait() where set() was meant": WrongAnswer.from_solution(
            "        stop.set()  #",
            "        stop.wait()  #",
            says=r"once cancelled, blocked the event loop for 2 s.*did you mean set\(\)",
            kind="hang",
        ),
    },
}


# Kinds that no wrong answer here covers, with the reason they do not apply (issue 23).
NOT_APPLICABLE: NotApplicable = {
    "check_lookup_all": {
        "bypass": "no library function or course helper runs a batch in a pool of its own; "
        "to_thread, the default pool, is the case the exercise starts from, named above",
        "hang": "every lookup returns after its own sleep and nothing waits on another party: "
        "a pool too small is slow, not hung, and is named above",
    },
    "check_convert_all": {
        "bypass": "no library function or course helper hands a thread's items to an "
        "asyncio.Queue; the hand-off is the exercise",
    },
    "check_save_stoppable": {
        "luck": "the check cancels after the first part of 20 and counts the parts saved "
        "after: no data lets a thread that was not told to stop save at most one more",
        "bypass": "no library function stops a thread from outside: the flag is the exercise",
    },
}
