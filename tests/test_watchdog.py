"""A hang in the learner's code is a Mistake that names its cause, and leaves nothing behind.

The real kernel, where the event loop's thread is the one blocked, is in
tests/test_exercise_checks.py (02-coroutines).
"""

import asyncio
import signal
import threading
import time
from collections.abc import Iterator

import pytest

from helpers.exercises import Mistake, watchdog

HANG_S = 0.5
BLOCKED = r"blocked the thread it was called on for 0\.5 s"
LOOP_BLOCKED = r"blocked the event loop for 0\.5 s \(nothing else could run\)"
WAITED = r"was still waiting after 0\.5 s, with the loop free"


@pytest.fixture(autouse=True)
def short_patience(monkeypatch) -> Iterator[None]:
    """A short HANG_S; and after each test, no watchdog thread and the SIGINT handler as it was."""
    monkeypatch.setattr(watchdog, "HANG_S", HANG_S)
    handler = signal.getsignal(signal.SIGINT)
    yield
    assert signal.getsignal(signal.SIGINT) is handler
    assert [t for t in threading.enumerate() if t.name == "exercise-watchdog"] == []


def timed(action) -> float:
    began = time.monotonic()
    action()
    return time.monotonic() - began


def lock_taken_twice() -> None:
    lock = threading.Lock()
    with lock, lock:
        pass


def test_a_lock_taken_twice_is_a_mistake_within_hang_s():
    def run() -> None:
        with pytest.raises(Mistake, match=BLOCKED), watchdog.blocking("deposit()"):
            lock_taken_twice()

    assert timed(run) < HANG_S + 2


def test_a_long_sleep_is_a_mistake_with_the_advice_given():
    with (
        pytest.raises(Mistake, match=BLOCKED + r".*: try a shorter nap"),
        watchdog.blocking("nap()", advice="try a shorter nap"),
    ):
        time.sleep(3600)


def test_an_answer_in_time_returns_and_the_watchdog_is_gone():
    with watchdog.blocking("quick()"):
        value = sum(range(10))
    assert value == 45


def test_a_real_ctrl_c_is_still_a_keyboard_interrupt():
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt), watchdog.blocking("quick()"):
            signal.raise_signal(signal.SIGINT)
    finally:
        signal.signal(signal.SIGINT, previous)


def test_a_wait_on_the_running_loop_from_its_own_thread_is_a_mistake():
    async def check() -> int:
        async def forty_two() -> int:
            return 42

        with watchdog.blocking("run_elsewhere(coroutine)"):
            loop = asyncio.get_running_loop()
            return asyncio.run_coroutine_threadsafe(forty_two(), loop).result()

    with pytest.raises(Mistake, match=BLOCKED):
        asyncio.run(check())


def finishes(coroutine_function, activity=None) -> object:
    """Run `await watchdog.finishes(...)` on the coroutine function's coroutine."""

    async def check() -> object:
        return await watchdog.finishes(
            coroutine_function(), "answer()", function=coroutine_function, activity=activity
        )

    return asyncio.run(check())


def test_a_coroutine_that_waits_forever_is_a_mistake():
    async def forever() -> None:
        await asyncio.Event().wait()

    with pytest.raises(Mistake, match=WAITED):
        finishes(forever)


def test_a_wait_on_a_loop_too_starved_to_answer_the_probe_is_still_a_wait(monkeypatch):
    """The loop idles in its selector, woken by the probe but not yet run: it is not blocked."""
    monkeypatch.setattr(watchdog, "PROBE_S", 0.0)  # no answer in time, as on a starved machine

    async def forever() -> None:
        await asyncio.Event().wait()

    with pytest.raises(Mistake, match=WAITED):
        finishes(forever)


def test_an_answer_whose_activity_moves_is_slow_not_hung():
    """Its progress puts the timeout off, as a starved machine's crawl needs; without, it hangs."""
    done = [0]

    async def slow() -> int:
        for _ in range(15):  # 1.5 s: three times HANG_S
            await asyncio.sleep(0.1)
            done[0] += 1
        return 7

    assert finishes(slow, activity=lambda: done[0]) == 7
    with pytest.raises(Mistake, match=WAITED):
        finishes(slow)


def test_activity_puts_the_timeout_off_up_to_stretch_times_hang_s(monkeypatch):
    monkeypatch.setattr(watchdog, "STRETCH", 3)
    done = [0]

    async def busy_forever() -> None:
        while True:
            await asyncio.sleep(0.05)
            done[0] += 1

    def run() -> None:
        with pytest.raises(Mistake, match=WAITED):
            finishes(busy_forever, activity=lambda: done[0])

    assert 3 * HANG_S <= timed(run) < 3 * HANG_S + 1


def test_a_coroutine_that_blocks_the_loop_is_a_mistake():
    async def blocks() -> None:
        time.sleep(3600)

    with pytest.raises(Mistake, match=LOOP_BLOCKED):
        finishes(blocks)


def test_a_task_of_the_answers_that_blocks_the_loop_is_a_mistake():
    async def blocks() -> None:
        time.sleep(3600)

    async def starts_a_blocking_task() -> None:
        await asyncio.gather(blocks(), asyncio.sleep(0.01))

    with pytest.raises(Mistake, match=LOOP_BLOCKED):
        finishes(starts_a_blocking_task)


def test_the_answers_own_timeout_passes_through():
    async def gives_up() -> None:
        await asyncio.wait_for(asyncio.sleep(1), 0.01)

    with pytest.raises(asyncio.TimeoutError):
        finishes(gives_up)


def test_an_awaited_answer_in_time_returns_its_result():
    async def answers() -> int:
        await asyncio.sleep(0.01)
        return 7

    assert finishes(answers) == 7


def test_a_signal_sent_as_the_answer_finished_is_taken_in_by_the_guard(monkeypatch):
    """The loop blocked past the probe: the signal comes while the guard stops, not after."""
    monkeypatch.setattr(watchdog, "PROBE_S", 3.0)

    async def check() -> tuple[int, int]:
        guard = watchdog._Guard(None, frozenset(), asyncio.get_running_loop())
        guard.start()
        time.sleep(2.0)  # the watchdog's probe (at 0.5 s) gets no answer; the answer finishes
        guard.stop()  # the loop is still not running: the signal is sent now, and taken in
        await asyncio.sleep(0.1)  # no KeyboardInterrupt, nor anything else, lands here
        return guard.sent, guard.received

    assert asyncio.run(check()) == (1, 1)
