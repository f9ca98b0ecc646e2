"""`TaskGroup` on every Python: asyncio's own on 3.11+, a stand-in on 3.10 (04-tasks-and-gather).

Python 3.11+ has `asyncio.TaskGroup`, and this module's `TaskGroup` is that very class. Python 3.10
has none, so there `TaskGroup` is a small stand-in that keeps the group's main promise: the
`async with` block ends only when every task created in it has ended, and when one task fails
(or the block itself raises, or the task running it is cancelled) the others are cancelled and
waited for. It differs where 3.10 cannot follow: it raises the first error itself, not an
`ExceptionGroup` (which 3.10 lacks), and it counts no cancellations (`Task.cancelling()` is 3.11+).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine
from types import TracebackType
from typing import Any, TypeVar

T = TypeVar("T")

if sys.version_info >= (3, 11):
    from asyncio import TaskGroup
else:

    class TaskGroup:
        """Python 3.10's stand-in for asyncio.TaskGroup: all tasks end inside the block."""

        def __init__(self) -> None:
            self._tasks: list[asyncio.Task[Any]] = []

        async def __aenter__(self) -> TaskGroup:
            return self

        def create_task(self, coroutine: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
            """Start the coroutine as a task that the block waits for."""
            task = asyncio.create_task(coroutine)
            self._tasks.append(task)
            return task

        async def __aexit__(
            self,
            exc_type: type[BaseException] | None,
            exc: BaseException | None,
            traceback: TracebackType | None,
        ) -> None:
            try:
                while exc is None and not self._failed():
                    pending = [task for task in self._tasks if not task.done()]
                    if not pending:
                        break
                    await asyncio.wait(pending, return_when=asyncio.FIRST_EXCEPTION)
            finally:  # also when the task running the block is cancelled while it waits
                left = [task for task in self._tasks if not task.done()]
                for task in left:
                    task.cancel()
                await asyncio.gather(*left, return_exceptions=True)
            errors = [error for error in map(self._error, self._tasks) if error is not None]
            if exc is None and errors:
                raise errors[0]

        def _failed(self) -> bool:
            return any(self._error(task) is not None for task in self._tasks if task.done())

        @staticmethod
        def _error(task: asyncio.Task[Any]) -> BaseException | None:
            return None if not task.done() or task.cancelled() else task.exception()


__all__ = ["TaskGroup"]
