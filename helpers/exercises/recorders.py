"""Record what the learner's code asks asyncio for: the sleeps it makes, the tasks it starts.

`SleepRecorder` notes each asyncio.sleep(seconds) that code from the learner's cell makes, and
`TaskRecorder` each task started for a coroutine of that cell. Both tell the learner's code from
everyone else's (the check's heartbeat, aiohttp, the kernel) by the file it comes from: the cell
that defined the learner's function.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any


class SleepRecorder:
    """Record each asyncio.sleep(seconds) that code from the learner's cell makes, by task.

    While `installed`, asyncio.sleep (and a `sleep` imported from asyncio into the namespace)
    is a stand-in that notes (task, seconds) when its caller's code comes from the same file as
    `function` (the learner's cell), then sleeps as asked.
    """

    def __init__(self, function: Callable[..., Any]) -> None:
        self.filename = function.__code__.co_filename
        self.calls: list[tuple[asyncio.Task[Any] | None, float]] = []

    def by_task(self) -> dict[asyncio.Task[Any] | None, list[float]]:
        """The seconds each task asked for, in order."""
        found: dict[asyncio.Task[Any] | None, list[float]] = {}
        for task, seconds in self.calls:
            found.setdefault(task, []).append(seconds)
        return found

    @contextmanager
    def installed(self, namespace: MutableMapping[str, Any]) -> Iterator[None]:
        """Record while the block runs; put asyncio.sleep (and the namespace's) back after."""
        real = asyncio.sleep

        def sleep(delay: float, result: Any = None) -> Awaitable[Any]:
            if sys._getframe(1).f_code.co_filename == self.filename:
                self.calls.append((asyncio.current_task(), delay))
            return real(delay, result)

        imported = namespace.get("sleep") is real
        asyncio.sleep = sleep  # type: ignore[assignment]
        if imported:
            namespace["sleep"] = sleep
        try:
            yield
        finally:
            asyncio.sleep = real
            if imported:
                namespace["sleep"] = real


class TaskRecorder:
    """Record the tasks started on the running loop for coroutines of the learner's cell.

    While `installed`, the loop's task factory is a stand-in that makes each task as before and
    notes it when its coroutine's code comes from the same file as `function`.
    """

    def __init__(self, function: Callable[..., Any]) -> None:
        self.filename = function.__code__.co_filename
        self.tasks: list[asyncio.Task[Any]] = []

    @contextmanager
    def installed(self) -> Iterator[None]:
        """Record while the block runs; put the loop's task factory back after."""
        loop = asyncio.get_running_loop()
        previous = loop.get_task_factory()

        def factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> Any:
            task: Any = (
                previous(loop, coro, **kwargs)
                if previous is not None
                else asyncio.Task(coro, loop=loop, **kwargs)
            )
            code = getattr(coro, "cr_code", None)
            if code is not None and code.co_filename == self.filename:
                self.tasks.append(task)
            return task

        loop.set_task_factory(factory)
        try:
            yield
        finally:
            loop.set_task_factory(previous)
