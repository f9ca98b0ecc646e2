"""Self-checks for the exercises of notebook 12-beyond-one-machine.

Each check reads instruments, not clocks: the futures a process pool was given (when each was
submitted and when it finished, so that sums that overlapped can be told from sums awaited one
at a time), this process's processor time against what the sums cost here, measured in the same
call, the ticks of a heartbeat, the process ids of the workers, and the longest gap between
ticks while an application cleans up.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import os
import time
from collections.abc import AsyncIterator, Callable, Mapping
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from multiprocessing.context import BaseContext
from typing import Any

import aiohttp
import psutil
from aiohttp import web

from helpers.cpu.pools import default_context
from helpers.cpu.workloads import sum_of_squares, sum_of_squares_closed, wrong_results
from helpers.exercises import Mistake, answer, bypass, passed, self_check, watchdog

WORKERS = 2
NUMBERS = [1_600_000, 300_000, 1_200_000, 100_000, 900_000, 1_500_000, 200_000, 700_000]
TICK = 0.01  # seconds between heartbeat ticks
MIN_TICKS = 3  # a free loop ticks dozens of times during the sums; a blocked one at most once
MAX_CPU_SHARE = 0.25  # of the sums' CPU time that this process may spend sending and receiving
POOL = web.AppKey("pool", Executor)  # where exercise 2's application keeps its pool
REQUESTS = 4  # /compute requests in each application's life, WORKERS at a time
REQUEST_N = 200_000  # each request's sum
RUNNING_N = 5_000_000  # the sum still running in the pool when the application is cleaned up
MAX_GAP_SHARE = 0.5  # of the clean-up's duration: the longest gap between ticks a free loop shows
SOLUTION = "loop.run_in_executor(pool, sum_of_squares, n) for every n, then gather them"


class _WatchedPool(ProcessPoolExecutor):
    """A process pool that notes when each task was submitted and when it finished."""

    def __init__(self) -> None:
        super().__init__(WORKERS, mp_context=default_context())
        self.spans: list[list[float]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        span = [time.perf_counter(), float("inf")]
        self.spans.append(span)
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(lambda _: span.__setitem__(1, time.perf_counter()))
        return future

    def most_in_flight(self) -> int:
        """Most tasks submitted and not yet finished at one moment."""
        events = sorted(
            [(start, 1) for start, _ in self.spans] + [(end, -1) for _, end in self.spans]
        )
        return max(itertools.accumulate(change for _, change in events), default=0)


async def _ticker(stop: asyncio.Event, ticks: list[float]) -> None:
    while not stop.is_set():
        ticks.append(time.perf_counter())
        await asyncio.sleep(TICK)


@self_check
async def check_sums_in(namespace: Mapping[str, Any]) -> bool | None:
    """12-beyond-one-machine, exercise 1: sums_in(pool, numbers) computes the sums in the pool.

    Requires: the list of sums, in the order of numbers (unequal, unsorted: finishing order
    differs); computed in the pool's processes, not in this one (processor time); several in
    the pool at once (the pool's own record of its tasks); the loop free meanwhile (a heartbeat
    keeps ticking); written, not borrowed from the course's benchmark (gather_in_executor).
    """
    sums_in = answer(namespace, "sums_in", "async def sums_in(pool, numbers)")
    bypass.refuse_references(
        sums_in, ["helpers.bench.cpu.gather_in_executor"], f"write it yourself: {SOLUTION}"
    )
    control_start = time.process_time()
    sum_of_squares(max(NUMBERS))  # what the sums cost this process, on this machine, right now
    needed = (time.process_time() - control_start) * sum(NUMBERS) / max(NUMBERS)
    with _WatchedPool() as pool:
        list(pool.map(sum_of_squares, [0] * WORKERS))  # start the workers before measuring
        pool.spans.clear()
        stop, ticks = asyncio.Event(), list[float]()
        beat = asyncio.create_task(_ticker(stop, ticks))
        await asyncio.sleep(0)
        began, cpu_began = time.perf_counter(), time.process_time()
        try:
            results = await watchdog.finishes(
                sums_in(pool, list(NUMBERS)), "sums_in(pool, numbers)", function=sums_in
            )
        finally:
            cpu_spent = time.process_time() - cpu_began
            ended = time.perf_counter()
            stop.set()
            await beat
    if not isinstance(results, list):
        raise Mistake(
            f"sums_in returned a {type(results).__name__}: return a list of the sums "
            "(list(await asyncio.gather(...)), or a list comprehension)"
        )
    if (
        len(results) == len(NUMBERS)
        and sorted(map(str, results)) == sorted(str(sum_of_squares_closed(n)) for n in NUMBERS)
        and wrong_results(NUMBERS, results)
    ):
        raise Mistake(
            "sums_in returned the right sums in another order (the order they finished): "
            "return them in the order of numbers, as gather does"
        )
    if len(results) != len(NUMBERS) or wrong_results(NUMBERS, results):
        raise Mistake(
            f"sums_in returned {str(results)[:80]!r}: return the list of sums, in the order of "
            "numbers"
        )
    if cpu_spent > MAX_CPU_SHARE * needed:
        raise Mistake(
            f"this process spent {cpu_spent:.2f} s of CPU during sums_in, against {needed:.2f} s "
            "that the sums need: it computed them itself. A plain call runs on the loop, and "
            "asyncio.to_thread or run_in_executor(None, ...) run in this process's threads. "
            "Send them to the pool: loop.run_in_executor(pool, sum_of_squares, n)"
        )
    during = sum(began < tick < ended for tick in ticks)
    if during < MIN_TICKS:
        raise Mistake(
            f"the heartbeat ticked {during} times while sums_in ran: the loop was blocked. "
            "pool.map or future.result() wait without letting the loop run: await "
            "loop.run_in_executor(pool, ...) instead"
        )
    if pool.most_in_flight() < WORKERS:
        raise Mistake(
            f"the pool never had more than {pool.most_in_flight()} sum at a time, with "
            f"{WORKERS} workers: each was awaited before the next was sent, so one worker "
            f"idled. Start them all, then wait: {SOLUTION}"
        )
    return passed(
        f"the sums are exact and in order, up to {pool.most_in_flight()} were in the pool at "
        f"once, this process spent {cpu_spent:.3f} s of CPU of the {needed:.2f} s they need, "
        f"and the heartbeat ticked {during} times meanwhile"
    )


def _sum_and_pid(n: int) -> tuple[int, int]:
    return sum_of_squares(n), os.getpid()


async def _compute(request: web.Request) -> web.Response:
    """Exercise 2's handler: the sum in the application's pool, and the worker that ran it."""
    n = int(request.query["n"])
    loop = asyncio.get_running_loop()
    total, pid = await loop.run_in_executor(request.app[POOL], _sum_and_pid, n)
    return web.json_response({"n": n, "sum": total, "pid": pid})


class _NotedPool(ProcessPoolExecutor):
    """The notebook's ProcessPoolExecutor while exercise 2 is checked: notes if given a context."""

    def __init__(
        self, max_workers: int | None = None, mp_context: BaseContext | None = None, **kwargs: Any
    ) -> None:
        super().__init__(max_workers, mp_context, **kwargs)
        self.context_given = mp_context is not None


def _start_method_problem(pool: Executor) -> str | None:
    """What is wrong with how the pool starts its workers: fork, or the platform's default."""
    context = getattr(pool, "_mp_context", None)
    if context is None:
        return None  # not a process pool: _judge names it
    method = context.get_start_method()
    default = not getattr(pool, "context_given", True)
    if method != "fork" and not default:
        return None
    how = f"the platform's default start method ({method} here)" if default else method
    return (
        f"app[POOL] starts its workers with {how}: the default is fork on Linux before Python "
        "3.14, and fork copies this process, threads and all (a kernel runs several): a lock one "
        "of them held stays locked in the copy. Create it with "
        "ProcessPoolExecutor(2, mp_context=default_context()), as the exercise says"
    )


class _Life:
    """What one application's life showed: its pool, the answers, and its clean-up."""

    def __init__(self) -> None:
        self.pool: Any = None
        self.answers: list[Any] = []
        self.workers: list[psutil.Process] = []
        self.cleanup_s = 0.0
        self.longest_gap = 0.0


async def _live(
    process_pool: Callable[[web.Application], AsyncIterator[None]], life: _Life
) -> None:
    """Start an app with the learner's cleanup context, load it, then clean it up mid-sum."""
    app = web.Application()
    app.cleanup_ctx.append(process_pool)
    app.router.add_get("/compute", _compute)
    runner = web.AppRunner(app, access_log=None)
    await watchdog.finishes(runner.setup(), "the app's start (process_pool before its yield)")
    try:
        life.pool = app.get(POOL)
        if not isinstance(life.pool, Executor):
            raise Mistake(
                f"after the app started, app[POOL] is {life.pool!r}: create the pool before the "
                "yield, app[POOL] = ProcessPoolExecutor(...)"
            )
        problem = _start_method_problem(life.pool)  # before a task forks a worker
        if problem:
            raise Mistake(problem)
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/compute?n={REQUEST_N}"
        async with aiohttp.ClientSession() as session:

            async def get() -> Any:
                async with session.get(url) as response:
                    if response.status != 200:
                        raise Mistake(
                            f"GET /compute was answered {response.status}: the pool at app[POOL] "
                            "refused the sum. Was it shut down by an earlier app's clean-up? "
                            "Create a new pool in process_pool, before the yield"
                        )
                    return await response.json()

            for _ in range(REQUESTS // WORKERS):
                life.answers += await asyncio.gather(*(get() for _ in range(WORKERS)))
        pids = {body["pid"] for body in life.answers} - {os.getpid()}
        life.workers = [psutil.Process(pid) for pid in pids]
        life.pool.submit(sum_of_squares, RUNNING_N)
        await asyncio.sleep(0.05)  # the sum is under way when the clean-up starts
    finally:
        stop, ticks = asyncio.Event(), list[float]()
        beat = asyncio.create_task(_ticker(stop, ticks))
        await asyncio.sleep(0)
        began = time.perf_counter()
        try:
            await watchdog.finishes(runner.cleanup(), "the app's clean-up (after the yield)")
        finally:
            life.cleanup_s = time.perf_counter() - began
            stop.set()
            await beat
    marks = [began, *(tick for tick in ticks if tick > began), began + life.cleanup_s]
    life.longest_gap = max(later - earlier for earlier, later in itertools.pairwise(marks))


def _refuses_work(pool: Executor) -> bool:
    """Whether the pool was shut down: it refuses a new task."""
    try:
        pool.submit(sum_of_squares, 0)
    except RuntimeError:
        return True
    return False


def _judge(life: _Life) -> None:
    """Raise the Mistake one application's life shows, if any."""
    sums = [body.get("sum") for body in life.answers]
    if sums != [sum_of_squares_closed(REQUEST_N)] * REQUESTS:
        raise Mistake(f"the app answered {str(life.answers[0])[:80]!r}, not the sums")
    if isinstance(life.pool, ThreadPoolExecutor) or not life.workers:
        raise Mistake(
            "the sums ran in this process: a ThreadPoolExecutor's threads share the loop's "
            "process and its GIL. Create a ProcessPoolExecutor"
        )
    if not _refuses_work(life.pool):
        raise Mistake(
            "after the app's clean-up the pool still took new tasks: it was never shut down, "
            "and its worker processes outlive the app. Shut it down after the yield"
        )
    alive = [worker for worker in life.workers if worker.is_running()]
    if alive:
        raise Mistake(
            f"{len(alive)} worker process(es) still ran when the app's clean-up returned, in "
            f"the middle of a sum: shutdown(wait=False) does not wait for them. Wait, off "
            "the loop: await asyncio.to_thread(app[POOL].shutdown)"
        )
    if life.longest_gap > MAX_GAP_SHARE * life.cleanup_s:
        raise Mistake(
            f"the clean-up took {life.cleanup_s:.2f} s, and for {life.longest_gap:.2f} s of it "
            "the loop ran nothing: pool.shutdown() waited for the running sum on the loop's "
            "own thread. Wait in a thread: await asyncio.to_thread(app[POOL].shutdown)"
        )


@self_check
async def check_process_pool(namespace: dict[str, Any]) -> bool | None:
    """12-beyond-one-machine, exercise 2: process_pool(app) owns the application's pool.

    Requires: an async generator, which aiohttp runs as a cleanup context; before its yield, a
    process pool at app[POOL] (the handler's sums run in other processes) whose workers start
    with the context it was given, not fork (the notebook's ProcessPoolExecutor notes whether it
    was given one: the platform's default is fork on Linux before 3.14); a new pool for each
    app (two apps, one after the other); after its yield, the pool shut down, its workers gone
    when the clean-up returns though a sum was running; the loop free during that wait (the
    longest gap between a heartbeat's ticks).
    """
    process_pool = answer(namespace, "process_pool", "async def process_pool(app)")
    if not inspect.isasyncgenfunction(process_pool):
        raise Mistake(
            "process_pool is not an async generator, so aiohttp cannot run it as a cleanup "
            "context: async def process_pool(app), set app[POOL], yield, then shut the pool down"
        )
    lives = [_Life(), _Life()]
    original = namespace.get("ProcessPoolExecutor")
    namespace["ProcessPoolExecutor"] = _NotedPool  # the answer looks it up when it calls it
    try:
        for life in lives:
            await _live(process_pool, life)
            _judge(life)
        if lives[0].pool is lives[1].pool:
            raise Mistake(
                "both apps got the same pool: create it inside process_pool, before the yield"
            )
    finally:
        namespace["ProcessPoolExecutor"] = original
        for life in lives:
            if isinstance(life.pool, Executor):
                life.pool.shutdown(wait=True, cancel_futures=True)  # what the answer left
    first = lives[0]
    return passed(
        f"each app had a pool of its own, the sums ran in {len(first.workers)} worker "
        f"processes, and the clean-up waited {first.cleanup_s:.2f} s for a running sum with "
        f"the loop free (its longest pause {first.longest_gap * 1000:.0f} ms)"
    )
