"""The instruments of 04-loop-and-threads' exercises: a slow_lookup and a pool that keep notes
(exercise 1), and a progress queue that notes when each line reached the loop (exercise 2)."""

from __future__ import annotations

import asyncio
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from helpers.exercises import Mistake, watchdog

LOOKUP_S = 0.3  # how long each of the check's lookups blocks its thread (the longest: twice)
START_GRACE_S = 1.0  # after the first lookup ends: the longest wait for the next start
POOL_THREADS = "asyncio_"  # how the names of the threads of asyncio's default pool begin


class Lookups:
    """The check's slow_lookup: records each call's thread, and how many ran at once.

    Given the batch's size, it refuses a call on the loop's thread at once, and a batch that
    is not all in flight when its first lookup ends (one after another, or a pool too small),
    so that neither makes the learner wait for the whole slow batch.
    """

    def __init__(self, seconds: dict[str, float], batch: int = 0) -> None:
        self.seconds, self.batch = seconds, batch
        self.loop_thread = threading.current_thread()
        self.keys: list[str] = []
        self.threads: list[threading.Thread] = []
        self.now = self.most = 0
        self.started = self.ended = math.nan
        self.mistake = ""  # the first Mistake raised in a lookup
        self._changed = threading.Condition()

    def __call__(self, key: str) -> str:
        thread = threading.current_thread()
        if self.batch and thread is self.loop_thread:
            self._refuse(
                "slow_lookup ran on the event loop's thread and blocked it: run each call in "
                "your pool with `loop.run_in_executor(pool, slow_lookup, key)`"
            )
        if self.batch and thread.name.startswith(POOL_THREADS):
            self._refuse(
                "the lookups ran in the loop's default pool (to_thread, or run_in_executor(None, "
                "...)), whose few threads the whole program shares: make a ThreadPoolExecutor "
                "of your own and pass it to loop.run_in_executor"
            )
        with self._changed:
            self.keys.append(key)
            self.threads.append(thread)
            self.now += 1
            self.most = max(self.most, self.now)
            if self.now == 1 and len(self.keys) == 1:
                self.started = time.perf_counter()
            self._changed.notify_all()
        time.sleep(self.seconds.get(key, LOOKUP_S))  # a blocking call, as in the notebook
        with self._changed:
            first_end = math.isnan(self.ended)
            self.ended = time.perf_counter()
            if first_end and self.batch:  # late starters have time while they keep coming
                while self.most < self.batch:
                    before = self.most
                    self._changed.wait(START_GRACE_S)  # a start notifies
                    if self.most == before:
                        break  # none started for START_GRACE_S: the pool has no thread free
                if self.most < self.batch:
                    self.now -= 1
                    self._refuse(
                        f"at most {self.most} of {self.batch} lookups ran at once: a pool made "
                        "without max_workers has min(32, CPUs + 4) threads, and one await after "
                        "another runs them in turn. Size your pool for the batch, "
                        "ThreadPoolExecutor(max_workers=len(keys)), and start every call before "
                        "you await them (gather)"
                    )
            self.now -= 1
        return key.upper()

    def _refuse(self, message: str) -> None:
        """Raise the Mistake in the answer, and keep it in case the answer swallows it."""
        self.mistake = self.mistake or message
        raise Mistake(message)


class RecordingPool(ThreadPoolExecutor):
    """The check's ThreadPoolExecutor: notes whether the answer shut it down before returning."""

    def __init__(self, *args: Any, made: list[RecordingPool], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shut_down = False
        made.append(self)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.shut_down = True
        super().shutdown(wait, cancel_futures=cancel_futures)


class Progress(asyncio.Queue):  # type: ignore[type-arg]
    """An asyncio.Queue that notes who put each item, and how many files were converted by then."""

    def __init__(self, converted: list[str]) -> None:
        super().__init__()
        self.converted = converted
        self.puts: list[tuple[Any, threading.Thread, int]] = []

    def put_nowait(self, item: Any) -> None:
        self.puts.append((item, threading.current_thread(), len(self.converted)))
        super().put_nowait(item)


def let_the_loop_catch_up(loop: asyncio.AbstractEventLoop) -> None:
    """From a worker thread: wait until the loop has run what was handed to it so far."""
    caught_up = threading.Event()
    # two hops: a task that a callback handed over creates (run_coroutine_threadsafe) runs too
    loop.call_soon_threadsafe(loop.call_soon, caught_up.set)
    caught_up.wait(watchdog.HANG_S)
