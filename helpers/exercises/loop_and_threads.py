"""Self-checks for 04-loop-and-threads: a pool of your own, progress from a thread, a stop flag."""

from __future__ import annotations

import asyncio
import functools
import inspect
import math
import threading
import time
from typing import Any

from helpers.exercises import Mistake, answer, passed, predictions, self_check, watchdog
from helpers.exercises.lookups import (
    LOOKUP_S,
    Lookups,
    Progress,
    RecordingPool,
    let_the_loop_catch_up,
)

PREDICT_KEYS = 20  # the lookups the prediction is about, as the exercise says
MORE_KEYS = 36  # the check's batch: more than any default pool has threads (at most 32)
TOLERANCE = 0.25  # a prediction within 25 % of the measurement counts as right
HEARTBEAT_S = 0.01  # how often the check's heartbeat ticks while the lookups run
CONVERT_S = 0.05  # how long the check's convert() blocks per file
FILES = ["intro", "part 1", "part 2", "part 3", "summary"]
POLL_S = 0.005  # how often the check's side reads the queue
SAVE_PARTS = 20  # parts save_stoppable is asked to save, 0.02 s each
WAITS_ON_THE_LOOP = (
    "something in it waits on the loop's own thread: a threading.Event's wait() (did you mean "
    "set()?), a thread's join(), or time.sleep"
)


async def _heartbeat(ticks: list[float], stop: asyncio.Event) -> None:
    """Tick every HEARTBEAT_S while the loop is free: when each tick ran."""
    while not stop.is_set():
        ticks.append(time.perf_counter())
        await asyncio.sleep(HEARTBEAT_S)


async def _default_pool_time() -> tuple[float, int]:
    """Seconds PREDICT_KEYS lookups take through asyncio.to_thread; threads that ran at once."""
    lookups = Lookups({})
    keys = [f"key {i}" for i in range(PREDICT_KEYS)]
    began = time.perf_counter()
    await asyncio.gather(*(asyncio.to_thread(lookups, key) for key in keys))
    return time.perf_counter() - began, lookups.most


@self_check
async def check_lookup_all(namespace: dict[str, Any]) -> bool | None:
    """04-loop-and-threads, exercise 1: a batch of blocking lookups in a pool of your own.

    Requires: PREDICTED_S, the learner's prediction of 20 lookups through to_thread, compared
    with a measurement first (never a Mistake); an `async def lookup_all(keys)` that calls
    slow_lookup once per key, never on the loop's thread and never in the loop's default
    pool, with every lookup of a batch larger than any default pool in flight at once (its
    own pool, sized for the batch); that returns the answers in the order of the keys
    (lookups of unequal length finish out of order); that leaves the loop free while the
    lookups run; and that shuts its pool down before it returns.
    """
    lookup_all = answer(namespace, "lookup_all", "async def lookup_all(keys)")
    predicted = predictions.prediction(namespace, "PREDICTED_S")
    if not inspect.iscoroutinefunction(lookup_all):
        raise Mistake("lookup_all is a plain function: define it with `async def`")
    measured, threads = await _default_pool_time()
    predictions.compare(predicted, measured, TOLERANCE)
    waves = math.ceil(PREDICT_KEYS / threads)
    print(
        f"the default pool ran {threads} lookups at once: {PREDICT_KEYS} lookups took "
        f"{waves} waves of {LOOKUP_S} s"
    )
    keys = [f"key {i}" for i in range(MORE_KEYS)]
    # Unequal lookups, the first the longest: answers gathered as they finish come out of order.
    seconds = {key: LOOKUP_S * (2 - i / MORE_KEYS) for i, key in enumerate(keys)}
    lookups = Lookups(seconds, batch=len(keys))
    results, ticks, pools = await _run_lookups(lookup_all, lookups, keys, namespace)
    _check_lookups(lookups, keys, results, ticks)
    await _pool_shut_down(lookups.threads, pools)
    return passed(
        f"lookup_all ran {lookups.most} lookups at once in its own pool, kept their order and "
        "the loop free, and shut its pool down"
    )


async def _run_lookups(
    lookup_all: Any, lookups: Lookups, keys: list[str], namespace: dict[str, Any]
) -> tuple[Any, list[float], list[RecordingPool]]:
    """Run lookup_all(keys) with the check's slow_lookup and pool, and a heartbeat beside it;
    the answers, the heartbeat's ticks, and the pools it made but had not shut down."""
    ticks: list[float] = []
    stop = asyncio.Event()
    beating = asyncio.create_task(_heartbeat(ticks, stop))
    made: list[RecordingPool] = []
    swapped = {
        "slow_lookup": lookups,
        "ThreadPoolExecutor": functools.partial(RecordingPool, made=made),
    }
    saved = {name: namespace.get(name) for name in swapped}
    namespace.update(swapped)  # the answer looks them up when it calls them
    try:
        results = await watchdog.finishes(lookup_all(keys), "lookup_all(keys)", function=lookup_all)
        left_open = [pool for pool in made if not pool.shut_down]  # as it returned
    finally:
        namespace.update(saved)
        stop.set()
        await beating
    return results, ticks, left_open


def _check_lookups(lookups: Lookups, keys: list[str], results: Any, ticks: list[float]) -> None:
    """A Mistake a lookup raised (if the answer swallowed it), the lookups made, their order,
    and the loop's freedom meanwhile."""
    if inspect.iscoroutine(results) or isinstance(results, asyncio.Future):
        if inspect.iscoroutine(results):
            results.close()
        raise Mistake(f"lookup_all returned {results!r}, not the answers: await it")
    if lookups.mistake:  # raised in a lookup, and swallowed by the answer
        raise Mistake(lookups.mistake)
    if sorted(lookups.keys) != sorted(keys):
        raise Mistake(f"lookup_all({len(keys)} keys) made {len(lookups.keys)} lookups: one per key")
    if list(results) != [key.upper() for key in keys]:
        raise Mistake(
            f"lookup_all returned {list(results)[:3]}... for keys {keys[:3]}...: the answers "
            "must come in the order of the keys (gather keeps it; as_completed does not)"
        )
    during = [tick for tick in ticks if lookups.started < tick < lookups.ended]
    if not during:
        raise Mistake(
            "the loop was blocked while the lookups ran (not one heartbeat): something waited "
            "for them on the loop's thread: pool.map or a future's .result(), or the pool's "
            "`with` block ending before the `await` (leaving it waits for every thread). Await "
            "loop.run_in_executor's futures, inside the `with`"
        )


async def _pool_shut_down(threads: list[threading.Thread], left_open: list[RecordingPool]) -> None:
    """lookup_all shut down every pool it made before it returned, and their threads end."""
    for pool in left_open:
        pool.shutdown(wait=False)  # the check's pool: its threads end once idle
    for _ in range(0 if left_open else 100):  # a pool made otherwise: its threads end
        if not any(thread.is_alive() for thread in threads):
            return
        await asyncio.sleep(0.01)
    raise Mistake(
        "lookup_all returned without shutting its pool down: its threads stay until the pool "
        "is garbage-collected. Shut it down when the batch is done (`with "
        "ThreadPoolExecutor(...) as pool:` around the awaits)"
    )


@self_check
async def check_convert_all(namespace: dict[str, Any]) -> bool | None:
    """04-loop-and-threads, exercise 2: a worker thread streams its progress into an asyncio.Queue.

    Requires: a plain `def convert_all(files, progress, loop)` (it runs in a worker thread) that
    calls convert(name) for each file in turn and returns the results in order; that puts
    f"{name} done" into the asyncio.Queue `progress` after each file, each put made on the
    loop's thread (handed over with loop.call_soon_threadsafe; a loop method or a put from the
    worker is a bug, which debug mode turns into a RuntimeError); each line after its file's
    convert() returned and before the next file's did (convert() first lets the loop run what
    was handed over before it: no line arrives late or early by luck); and None last, the end
    marker the loop's side waits for.
    """
    convert_all = answer(namespace, "convert_all", "convert_all(files, progress, loop)")
    if inspect.iscoroutinefunction(convert_all):
        raise Mistake(
            "convert_all is an `async def`: it runs in a worker thread, which cannot await. Make "
            "it a plain function that hands each line to the loop"
        )
    loop = asyncio.get_running_loop()
    converted: list[str] = []  # the files whose convert() returned, in order

    def convert(name: str) -> str:
        if threading.current_thread() is not loop_thread:
            let_the_loop_catch_up(loop)
        time.sleep(CONVERT_S)  # a blocking call, as in the notebook
        converted.append(name)
        return f"{name}.pdf"

    loop_thread = threading.current_thread()
    progress = Progress(converted)
    arrived: list[Any] = []  # the items the loop's side read, in order
    saved = (namespace.get("convert"), loop.get_debug(), loop.slow_callback_duration)
    namespace["convert"] = convert  # the answer looks it up when it calls it
    loop.slow_callback_duration = 3600.0  # debug mode here only to catch calls from threads
    loop.set_debug(True)
    try:
        work = asyncio.to_thread(convert_all, list(FILES), progress, loop)
        result = await watchdog.finishes(
            _read(work, progress, arrived), "convert_all", function=convert_all
        )
    except RuntimeError as error:
        if "Non-thread-safe" not in str(error):
            raise
        raise Mistake(
            f"RuntimeError in the worker: {error}. A loop method (call_soon, a Future's or a "
            "Queue's methods) ran on the worker thread; debug mode, on for this check, refuses "
            "that. Hand each call to the loop: loop.call_soon_threadsafe(progress.put_nowait, line)"
        ) from None
    finally:
        namespace["convert"] = saved[0]
        loop.set_debug(saved[1])
        await asyncio.sleep(0)  # the step that switched debug mode off ends with the threshold
        loop.slow_callback_duration = saved[2]
    _check_progress(result, converted, progress, arrived)
    return passed(
        f"{len(FILES)} progress lines reached the loop while the worker converted, each after "
        "its file and before the next, put on the loop's thread, then the end marker"
    )


async def _read(work: Any, progress: Progress, arrived: list[Any]) -> Any:
    """The loop's side: read the queue while the worker runs (polling, so a lost wake-up
    cannot hang the check), and once it has returned; the worker's result."""
    worker = asyncio.ensure_future(work)
    try:
        while not worker.done():
            _drain(progress, arrived)
            await asyncio.sleep(POLL_S)
        for _ in range(3):  # callbacks handed over before the worker returned run first
            await asyncio.sleep(0)
        _drain(progress, arrived)
        return worker.result()
    finally:
        if not worker.done():
            worker.cancel()


def _drain(progress: Progress, arrived: list[Any]) -> None:
    while not progress.empty():
        arrived.append(progress.get_nowait())


def _check_progress(
    result: Any, converted: list[str], progress: Progress, arrived: list[Any]
) -> None:
    """What the worker returned and converted; where, when and in what order lines arrived."""
    if converted != FILES:
        raise Mistake(
            f"convert_all converted {converted}: call convert(name) once for each of {FILES}, "
            "in turn"
        )
    if result != [f"{name}.pdf" for name in FILES]:
        raise Mistake(f"convert_all returned {result!r}: return the list of convert's results")
    loop_thread = threading.current_thread()
    strays = [item for item, thread, _ in progress.puts if thread is not loop_thread]
    if strays:
        raise Mistake(
            f"progress.put_nowait({strays[0]!r}) ran on the worker thread: asyncio.Queue is not "
            "thread-safe (it may seem to work while something else wakes the loop, or lose a "
            "wake-up and hang). Hand the put to the loop: "
            "loop.call_soon_threadsafe(progress.put_nowait, line)"
        )
    lines = [item for item in arrived if item is not None]
    if lines != [f"{name} done" for name in FILES]:
        raise Mistake(
            f"the loop received {lines}: put one line f'{{name}} done' per file, in order"
        )
    if not arrived or arrived[-1] is not None:
        raise Mistake(
            "the worker never put the end marker None after its last line: the loop's side, "
            "which reads until None, would wait for ever. Put None last, the same way"
        )
    if arrived.count(None) != 1:
        raise Mistake(f"the loop received {arrived}: put None once, after the last line")
    _check_timing([(item, done) for item, _, done in progress.puts if item is not None])


def _check_timing(lines: list[tuple[str, int]]) -> None:
    """Each line reached the loop after its file's convert() returned, before the next one's."""
    for index, (line, done) in enumerate(lines):
        if done <= index:
            raise Mistake(
                f"{line!r} reached the loop before convert({FILES[index]!r}) had returned: put "
                "each line after its file is converted (call convert first, then hand the line "
                "over), as the exercise says"
            )
    late = [(line, done) for index, (line, done) in enumerate(lines) if done > index + 1]
    if late and lines[0][1] == len(FILES):
        raise Mistake(
            "every line reached the loop only after the last file was converted: hand each "
            "line over as soon as its file is done, not all at the end"
        )
    if late:
        line, done = late[0]
        raise Mistake(
            f"{line!r} reached the loop only after convert({FILES[done - 1]!r}) had returned "
            "too: hand each line over as soon as its file is done, before the next file"
        )


@self_check
async def check_save_stoppable(namespace: dict[str, Any]) -> bool | None:
    """04-loop-and-threads, exercise 3: a cancel stops the thread, and the task stays cancelled.

    Requires: an `async def save_stoppable(parts, saved)` that runs save_parts_until in a
    thread (the loop stays free); that, when its task is cancelled, sets the stop Event so the
    thread saves at most one more part; that lets the task end cancelled (the CancelledError
    goes on); and that never blocks the loop's thread while it does so.
    """
    save_stoppable = answer(namespace, "save_stoppable", "async def save_stoppable(parts, saved)")
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
    task = asyncio.create_task(save_stoppable(SAVE_PARTS, saved))
    guarded = functools.partial(
        watchdog.finishes, blocked=WAITS_ON_THE_LOOP, function=save_stoppable
    )
    try:
        await guarded(_first_part(task, saved), "save_stoppable")
        if task.done():
            _ended_early(task, saved, loop_thread in calls)
        task.cancel()
        try:
            await guarded(task, "save_stoppable, once cancelled,")
        except asyncio.CancelledError:
            if not task.cancelled():
                raise  # the check itself was cancelled
        at_cancel = len(saved)
        if calls:
            await asyncio.to_thread(ended.wait, 10)
    finally:
        namespace["save_parts_until"] = save_parts_until
        if not task.done():
            task.cancel()
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


async def _first_part(task: asyncio.Task[Any], saved: list[int]) -> None:
    """Wait until the first part is saved, or the task ends."""
    while not (saved or task.done()):
        await asyncio.sleep(0.01)


def _ended_early(task: asyncio.Task[Any], saved: list[int], on_the_loop: bool) -> None:
    """The Mistake for a save_stoppable that ended before it was cancelled."""
    if not task.cancelled():
        task.exception()  # retrieved, so that an error is not reported again
    raise Mistake(
        f"save_stoppable ended before it was cancelled, with {len(saved)} parts saved: "
        + (
            "save_parts_until ran on the loop's thread and blocked it. Run it with "
            "`await asyncio.to_thread(save_parts_until, parts, saved, stop)`"
            if on_the_loop
            else "it should save until it is cancelled"
        )
    )
