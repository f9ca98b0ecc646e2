"""Self-checks for 01-why-asyncio: a lock that lets the slow call overlap; concurrent waits."""

from __future__ import annotations

import asyncio
import inspect
import itertools
import threading
import time
from collections.abc import Callable
from typing import Any

from helpers.exercises import Mistake, answer, passed, self_check, watchdog
from helpers.exercises.predictions import compare, prediction
from helpers.exercises.recorders import SleepRecorder

THREADS = 4
DEPOSITS = 25  # per thread
READ_S = 0.002  # the check's balance takes this long to read, so an unguarded read races
MEET_S = 3.0  # the first audit line waits up to this long for a second thread to join it
FINISH_S = 10.0  # threads still running after this are stuck (a lock taken twice?)
LATENCIES = [0.1, 0.4, 0.3, 0.2]  # seconds, unsorted: the longest is neither first nor last
PREDICTION_TOLERANCE = 0.25  # a prediction within 25 % of the measurement counts as right


class _WatchedAccount:
    """An account whose balance is slow to read; it notes threads between a read and a write."""

    def __init__(self) -> None:
        self._balance = 0
        self._lock = threading.Lock()
        self._between: set[int] = set()
        self.most_between = 0

    @property
    def balance(self) -> int:
        value = self._balance
        with self._lock:
            self._between.add(threading.get_ident())
            self.most_between = max(self.most_between, len(self._between))
        time.sleep(READ_S)  # widens the gap: without a lock, another thread reads the same value
        return value

    @balance.setter
    def balance(self, value: int) -> None:
        with self._lock:
            self._between.discard(threading.get_ident())
        self._balance = value


class _AuditLines:
    """A write_audit_line that counts threads inside it; the first call waits for a second."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._met = threading.Event()
        self.calls = 0
        self.inside = 0
        self.most_inside = 0

    def __call__(self) -> None:
        with self._lock:
            self.calls += 1
            first = self.calls == 1
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)
            if self.inside > 1:
                self._met.set()
        if first:  # with no lock held across it, another thread joins at once
            self._met.wait(MEET_S)
        time.sleep(0)
        with self._lock:
            self.inside -= 1


def _run_threads(work: Callable[..., None], *args: Any) -> None:
    """Run work(*args) in THREADS threads; re-raise the first error; fail if one is stuck."""
    errors: list[BaseException] = []

    def guarded() -> None:
        try:
            work(*args)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=guarded, daemon=True) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + FINISH_S
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    if any(thread.is_alive() for thread in threads):
        raise Mistake(
            f"the threads were still running after {FINISH_S:.0f} s: does a thread wait for a "
            "lock it already holds? A threading.Lock cannot be taken twice, even by its owner"
        )
    if errors:
        raise errors[0]


@self_check
def check_deposit_audited(namespace: dict[str, Any]) -> bool | None:
    """01-why-asyncio, exercise 1: no update lost, and the audit lines run outside the lock.

    Requires, with a balance slow to read (so that an unguarded read-modify-write loses updates
    every time): no two threads between a read and its write, and no update lost; one
    write_audit_line() call per deposit; two threads inside write_audit_line() at once (it runs
    outside the lock); the threads finish (a lock taken twice is a Mistake, after FINISH_S).
    """
    deposit_audited = answer(namespace, "deposit_audited", "deposit_audited(account, times)")
    account, audit_lines = _WatchedAccount(), _AuditLines()
    original = namespace.get("write_audit_line")
    namespace["write_audit_line"] = audit_lines  # the answer looks it up when it calls it
    try:
        _run_threads(deposit_audited, account, DEPOSITS)
    finally:
        namespace["write_audit_line"] = original
    expected = THREADS * DEPOSITS
    lost = expected - account._balance
    if account.most_between > 1 or lost:
        raise Mistake(
            f"lost {lost} of {expected} updates: {account.most_between} threads were between "
            "reading the balance and writing it back at once. Read and write it inside one "
            "`with balance_lock:` block"
        )
    if audit_lines.calls != expected:
        raise Mistake(
            f"write_audit_line() ran {audit_lines.calls} times for {expected} deposits: "
            "call it once per deposit"
        )
    if audit_lines.most_inside < 2:
        raise Mistake(
            "no two threads were ever inside write_audit_line() at once: it is called while "
            "balance_lock is held. Call it before or after the `with balance_lock:` block"
        )
    return passed(
        f"deposit_audited kept all {expected} updates in {THREADS} threads, "
        "and its audit lines overlapped"
    )


@self_check
async def check_fetch_all(namespace: dict[str, Any]) -> bool | None:
    """01-why-asyncio, exercise 2: the waits overlap, without blocking the event loop.

    Requires: PREDICTED_S recorded first; fetch_all is a coroutine function; it does not block
    the loop (a heartbeat keeps beating); it waits for every latency (it returns no sooner than
    the longest, which is not the last of the unsorted list, and it asks asyncio.sleep for each
    latency: a single wait of the longest has the right time, not the structure); the waits
    overlap (sooner than their sum); it finishes (a hang is a Mistake, by the watchdog).
    """
    fetch_all = answer(namespace, "fetch_all", "async def fetch_all(latencies)")
    predicted = prediction(namespace, "PREDICTED_S")
    loop = asyncio.get_running_loop()
    longest, total = max(LATENCIES), sum(LATENCIES)
    beats = [loop.time()]

    async def heartbeat() -> None:
        """Wake every 10 ms, noting when: a long gap means the loop was blocked."""
        while True:
            await asyncio.sleep(0.01)
            beats.append(loop.time())

    beating = asyncio.create_task(heartbeat())
    await asyncio.sleep(0)  # the heartbeat starts before fetch_all does
    sleeps = SleepRecorder(fetch_all)
    try:
        with sleeps.installed(namespace):
            start = loop.time()
            waiting = fetch_all(list(LATENCIES))
            if not inspect.isawaitable(waiting):
                raise Mistake(f"fetch_all(...) returned {waiting!r}: define it with `async def`")
            await watchdog.finishes(waiting, f"fetch_all({LATENCIES})", function=fetch_all)
            elapsed = loop.time() - start
    finally:
        beating.cancel()
        await asyncio.gather(beating, return_exceptions=True)
    beats.append(loop.time())
    longest_gap = max(later - earlier for earlier, later in itertools.pairwise(beats))
    if longest_gap >= 0.9 * longest:
        raise Mistake(
            f"the event loop was blocked for {longest_gap:.2f} s: time.sleep blocks it, so "
            "nothing else runs. Wait with `await asyncio.sleep(latency)`"
        )
    if elapsed >= 0.9 * total:
        raise Mistake(
            f"fetch_all({LATENCIES}) took {elapsed:.2f} s, the sum of the waits ({total:.1f} s): "
            "it awaits them one after another. Start them together with asyncio.gather"
        )
    if elapsed < 0.9 * longest:
        raise Mistake(
            f"fetch_all returned after {elapsed:.2f} s, before its longest wait ({longest} s) "
            "was over: await every wait before returning, not only the first or the last"
        )
    asked = [seconds for _, seconds in sleeps.calls]
    missed = [latency for latency in LATENCIES if latency not in asked]
    if missed:
        raise Mistake(
            f"fetch_all({LATENCIES}) took the right time, but it asked asyncio.sleep for "
            f"{asked or 'nothing'}, never for {missed}: one wait as long as the longest only "
            "looks like concurrency. Wait asyncio.sleep(latency) for every latency in the list, "
            "all at once with asyncio.gather"
        )
    compare(predicted, elapsed, PREDICTION_TOLERANCE)
    return passed(
        f"fetch_all({LATENCIES}) took {elapsed:.2f} s: about its longest wait ({longest} s), "
        f"not the sum ({total:.1f} s)"
    )
