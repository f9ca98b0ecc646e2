"""A hang in the learner's code becomes a `Mistake` that names the likely cause, within HANG_S.

Two ways an answer hangs. A coroutine can wait forever while the event loop is free (an Event
nobody sets): `finishes` awaits it under `asyncio.timeout`, put off while the caller's count of the
answer's progress (`activity`) moves: slow, as on a starved machine, is not hung. Or the answer
blocks the thread the check runs on, which in a notebook is the thread of the kernel's event loop
(`run_coroutine_threadsafe(coro, asyncio.get_event_loop()).result()`, a `threading.Lock` taken
twice, `time.sleep(3600)`): then no timeout of the loop can fire, and the kernel's own "interrupt"
cannot either, since it waits for the loop. A watchdog thread then sends a real SIGINT to the main
thread (`signal.pthread_kill`; a blocked lock acquire wakes only for a real signal, not for
`_thread.interrupt_main()`, which Windows falls back to), and a handler installed for the duration
raises `_Hung` in the learner's code. `blocking` guards a synchronous call, `finishes` an
awaitable. The watchdog thread is stopped and joined before the guard returns, and a signal sent
just as the answer finished is taken in by the guard, never by the code after it.

The handler raises only where that is safe: inside the guarded call, or (for an awaitable) in a
frame of the guarded coroutine or of the learner's cell, never in the event loop's own code.
`_Hung` is a BaseException but not a KeyboardInterrupt, so that a task it lands in fails
with it instead of stopping the event loop. Off the main thread there is no signal to send:
`blocking` then only runs the code.
"""

from __future__ import annotations

import _thread
import asyncio
import signal
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, TypeVar

from helpers.exercises import Mistake

HANG_S = 10.0  # seconds after which the learner's code is called hung; tests set it shorter
PROBE_S = 0.5  # how long the event loop may take to answer the watchdog before it counts as blocked
# (unless it still idles in its selector: woken, but starved of CPU, not blocked)
TAKE_IN_S = 1.0  # how long the guard waits for a signal already sent to arrive
STRETCH = 6  # an answer whose activity moves gets HANG_S more each time, up to STRETCH x HANG_S
BLOCKED = (
    "something in it waits without letting the event loop run: .result() on a future that this "
    "thread's own loop must complete (run_coroutine_threadsafe with the running loop), a "
    "threading.Lock taken twice, or time.sleep"
)
WAITING = (
    "it waits for something that never comes: an Event nobody sets, a queue nobody fills or "
    "empties, a task that waits for this one"
)
T = TypeVar("T")


class _Hung(BaseException):
    """Raised in the learner's code when the watchdog finds the thread blocked."""


class _Guard:
    """A watchdog thread and a SIGINT handler around one call or await of the learner's code."""

    def __init__(
        self,
        owner: FrameType | None,
        files: frozenset[str] = frozenset(),
        loop: asyncio.AbstractEventLoop | None = None,
        activity: Callable[[], object] | None = None,
    ) -> None:
        self.owner, self.files, self.loop = owner, files, loop
        self.activity = activity
        self.seen = activity() if activity is not None else None
        self.done = threading.Event()
        self.sent = self.received = 0  # SIGINTs the watchdog sent, and those the handler took
        self.exiting = False
        self.previous: Any = None
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        """Install the handler and start the watchdog thread (on the main thread only)."""
        if threading.current_thread() is not threading.main_thread():
            return
        self.previous = signal.signal(signal.SIGINT, self._on_sigint)
        self.thread = threading.Thread(target=self._watch, name="exercise-watchdog", daemon=True)
        self.thread.start()

    def _loop_answers(self) -> bool:
        """Whether the event loop (if any) is not blocked: it runs a callback within PROBE_S,
        or it still sits in its selector, woken but not yet given a CPU (a starved machine)."""
        if self.loop is None:
            return False
        answered = threading.Event()
        try:
            self.loop.call_soon_threadsafe(answered.set)
        except RuntimeError:  # the loop is closed
            return True
        if answered.wait(PROBE_S):
            return True
        frame = sys._current_frames().get(threading.main_thread().ident or 0)
        return frame is not None and frame.f_globals.get("__name__") == "selectors"

    def _moved(self) -> bool:
        """Whether the answer's activity moved since last looked at: its loop runs code."""
        if self.activity is None:
            return False
        seen, self.seen = self.seen, self.activity()
        return seen != self.seen

    def _watch(self) -> None:
        while not self.done.wait(HANG_S):
            if self._moved() or self._loop_answers():
                continue  # the loop is free: asyncio.timeout deals with a coroutine that waits
            self.sent += 1  # again after HANG_S if the answer swallows it
            if hasattr(signal, "pthread_kill"):
                signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)
            else:
                _thread.interrupt_main(signal.SIGINT)

    def _on_sigint(self, signum: int, frame: FrameType | None) -> None:
        if self.received == self.sent:  # Ctrl-C, or an outer guard's watchdog: theirs
            if callable(self.previous):
                self.previous(signum, frame)
            elif self.previous != signal.SIG_IGN:
                signal.default_int_handler(signum, frame)
            return
        self.received += 1
        if self.exiting or frame is None or frame.f_code.co_filename == __file__:
            return  # the answer finished just in time: the guard takes the signal in
        if self._in_the_answer(frame):
            raise _Hung

    def _in_the_answer(self, frame: FrameType) -> bool:
        """Whether the interrupted frame runs in the guarded code, not in the loop's own."""
        walk: FrameType | None = frame
        while walk is not None:
            if walk is self.owner or walk.f_code.co_filename in self.files:
                return True
            walk = walk.f_back
        return False

    def stop(self) -> None:
        """Stop and join the watchdog; take in a signal it sent; put the old handler back."""
        self.exiting = True
        self.done.set()
        if self.thread is None:
            return
        self.thread.join()
        deadline = time.monotonic() + TAKE_IN_S
        while self.received < self.sent and time.monotonic() < deadline:
            time.sleep(0.01)  # the handler runs in here, and takes the signal in
        signal.signal(signal.SIGINT, signal.SIG_DFL if self.previous is None else self.previous)


@contextmanager
def blocking(what: str, advice: str = BLOCKED) -> Iterator[None]:
    """Run a synchronous call of the learner's code; a thread blocked for HANG_S is a Mistake."""
    guard = _Guard(owner=sys._getframe(2))  # the frame of the `with` statement
    guard.start()
    try:
        yield
    except _Hung:
        raise Mistake(
            f"{what} blocked the thread it was called on for {HANG_S:g} s, the thread that runs "
            f"the event loop in a notebook: {advice}"
        ) from None
    finally:
        guard.stop()


def _files(function: Callable[..., Any] | None) -> frozenset[str]:
    """The source file of the learner's function: its cell, whose frames the watchdog may stop."""
    code = getattr(function, "__code__", None)
    return frozenset({code.co_filename}) if code is not None else frozenset()


async def finishes(
    awaitable: Awaitable[T],
    what: str,
    *,
    advice: str = WAITING,
    blocked: str = BLOCKED,
    function: Callable[..., Any] | None = None,
    activity: Callable[[], object] | None = None,
) -> T:
    """Await the learner's awaitable; waiting or blocking for HANG_S is a Mistake naming why.

    `function` is the learner's function that made the awaitable: frames from its cell may be
    interrupted when the loop is blocked (the tasks it starts, its helpers). `activity` counts
    what the answer has done so far (requests answered, say): each HANG_S in which it moves
    shows progress, not a hang, and earns HANG_S more, up to STRETCH x HANG_S in all.
    """
    loop = asyncio.get_running_loop()
    guard = _Guard(sys._getframe(0), _files(function), loop, activity)
    guard.start()
    try:
        return await _timed(awaitable, what, advice, activity)
    except BaseException:
        if not guard.received:  # the answer's own error, or a wait while the loop was free
            raise
        raise Mistake(
            f"{what} blocked the event loop for {HANG_S:g} s (nothing else could run): {blocked}"
        ) from None
    finally:
        guard.stop()


class _PutOff:
    """While `activity` moves, keep a timeout HANG_S ahead, up to STRETCH x HANG_S in all."""

    def __init__(self, deadline: asyncio.Timeout, activity: Callable[[], object]) -> None:
        self.loop = asyncio.get_running_loop()
        self.deadline, self.activity, self.seen = deadline, activity, activity()
        self.last = self.loop.time() + STRETCH * HANG_S
        self.handle = self.loop.call_later(HANG_S / 4, self._look)

    def _look(self) -> None:
        if self.deadline.expired():
            return  # too late: the wait is being called hung
        seen = self.activity()
        if seen != self.seen:
            self.seen = seen
            self.deadline.reschedule(min(self.loop.time() + HANG_S, self.last))
        self.handle = self.loop.call_later(HANG_S / 4, self._look)


async def _timed(
    awaitable: Awaitable[T], what: str, advice: str, activity: Callable[[], object] | None
) -> T:
    """Await under a timeout of HANG_S, in this task; its expiry is a Mistake, not the answer's."""
    try:
        async with asyncio.timeout(HANG_S) as deadline:
            put_off = _PutOff(deadline, activity) if activity is not None else None
            try:
                return await awaitable
            finally:
                if put_off is not None:
                    put_off.handle.cancel()
    except TimeoutError:
        if not deadline.expired():
            raise
    raise Mistake(f"{what} was still waiting after {HANG_S:g} s, with the loop free: {advice}")
