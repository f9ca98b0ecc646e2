"""A toy event loop built from generators: a ready queue, a timer heap, a selector (03-event-loop).

A task is a generator or an `async def` coroutine. Each time it pauses it hands the loop a
request: None (let the others run, then resume me), Sleep(seconds) or Readable(sock). The loop
keeps tasks that can run now in a ready queue, sleeping tasks in a heap ordered by wake-up time,
and tasks waiting for a socket in a selector, which asks the operating system which sockets have
data. asyncio's own loop is built from the same three parts.
"""

from __future__ import annotations

import heapq
import itertools
import selectors
import socket
import time
from collections import deque
from collections.abc import Callable, Coroutine, Generator
from dataclasses import dataclass
from typing import Any

_RESOLUTION = time.get_clock_info("monotonic").resolution


@dataclass(frozen=True)
class Sleep:
    """Request: resume me after `seconds`: `yield Sleep(s)` or `await Sleep(s)`."""

    seconds: float

    def __post_init__(self) -> None:
        if not self.seconds >= 0:  # also rejects NaN
            raise ValueError(f"seconds must be a number >= 0, got {self.seconds!r}")

    def __await__(self) -> Generator[Sleep, None, None]:
        yield self


@dataclass(frozen=True)
class Readable:
    """Request: resume me when `sock` has data to read."""

    sock: socket.socket

    def __await__(self) -> Generator[Readable, None, None]:
        yield self


Request = None | Sleep | Readable
Body = Generator[Request, None, Any] | Coroutine[Request, None, Any]


@dataclass
class ToyTask:
    """One task: its name, its generator or coroutine, and its result once done."""

    name: str
    body: Body
    done: bool = False
    result: Any = None


class ToyLoop:
    """Run generator and coroutine tasks together, printing each scheduling step."""

    def __init__(self, trace: Callable[[str], None] | None = None, timeout: float = 60.0) -> None:
        self._trace = trace
        self._timeout = timeout
        self._tasks: list[ToyTask] = []
        self._ready: deque[ToyTask] = deque()
        self._timers: list[tuple[float, int, ToyTask]] = []  # a heap: earliest wake-up first
        self._tiebreak = itertools.count()  # timers due at the same moment keep their order
        self._selector = selectors.DefaultSelector()
        self._closed = False
        self._start = time.monotonic()

    def spawn(self, name: str, body: Body) -> ToyTask:
        """Add a task, ready to run when the loop starts."""
        if not (hasattr(body, "send") and hasattr(body, "close")):
            raise TypeError(
                f"spawn needs a generator or coroutine object, got {type(body).__name__}: "
                "call the function, for example hello() rather than hello"
            )
        if self._closed:
            raise RuntimeError("this ToyLoop has already run: make a new one")
        task = ToyTask(name, body)
        self._tasks.append(task)
        self._ready.append(task)
        return task

    def run(self) -> dict[str, Any]:
        """Run until every task finishes; return each task's result by name."""
        if self._closed:
            raise RuntimeError("this ToyLoop has already run: make a new one")
        self._closed = True
        deadline = time.monotonic() + self._timeout
        try:
            while not all(task.done for task in self._tasks):
                self._wait_for_events(deadline)
                self._run_ready()
        finally:
            self._selector.close()
            for task in self._tasks:
                task.body.close()  # a no-op for finished tasks; stops any left waiting
        return {task.name: task.result for task in self._tasks}

    def _say(self, message: str) -> None:
        if self._trace is not None:
            self._trace(f"{time.monotonic() - self._start:5.2f} s  {message}")

    def _wait_for_events(self, deadline: float) -> None:
        """Block until a timer is due or a socket is readable; queue those tasks as ready."""
        timeout = 0.0
        if not self._ready:
            wake = self._timers[0][0] if self._timers else deadline
            timeout = max(0.0, min(wake, deadline) - time.monotonic())
            if self._timers:
                self._say(f"nothing ready: wait up to {timeout:.2f} s for a timer or a socket")
            else:
                self._say(f"nothing ready, no timer: wait for a socket (at most {timeout:.2f} s)")
        if self._selector.get_map():
            for key, _ in self._selector.select(timeout):
                self._selector.unregister(key.fileobj)
                self._say(f"socket ready: {key.data.name}")
                self._ready.append(key.data)
        else:  # no socket to watch: just sleep until the next timer
            time.sleep(timeout)
        now = time.monotonic()
        while self._timers and self._timers[0][0] <= now + _RESOLUTION:
            _, _, task = heapq.heappop(self._timers)
            self._say(f"timer due: {task.name}")
            self._ready.append(task)
        if not self._ready and now >= deadline:
            waiting = [task.name for task in self._tasks if not task.done]
            raise TimeoutError(f"still waiting after {self._timeout} s: {', '.join(waiting)}")

    def _run_ready(self) -> None:
        """Resume each task that is ready now, once; any it makes ready wait for the next round."""
        for _ in range(len(self._ready)):
            task = self._ready.popleft()
            try:
                request = task.body.send(None)
            except StopIteration as stop:
                task.done, task.result = True, stop.value
                self._say(f"ran {task.name} → it finished")
                continue
            if request is None:
                self._say(f"ran {task.name} → it lets the others go first")
                self._ready.append(task)
            elif isinstance(request, Sleep):
                self._say(f"ran {task.name} → it sleeps {request.seconds:.2f} s")
                wake = time.monotonic() + request.seconds
                heapq.heappush(self._timers, (wake, next(self._tiebreak), task))
            elif isinstance(request, Readable):
                self._say(f"ran {task.name} → it waits until its socket is readable")
                self._selector.register(request.sock, selectors.EVENT_READ, task)
            else:
                raise TypeError(
                    f"task {task.name!r} paused with {request!r}: pause with `yield`, "
                    "Sleep(seconds) or Readable(sock)"
                )
