"""Several calls on one event loop: asyncio.Runner against repeated asyncio.run (02-coroutines).

From the course folder:

    python notebooks/scripts/runner_script.py

asyncio.Runner is new in Python 3.11; on 3.10 the script runs the same steps with
`EquivalentRunner`, the code Runner saves you from writing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from types import TracebackType
from typing import Any, TypeVar

T = TypeVar("T")
TICK_S = 0.005  # how often the background ticker ticks
WAIT_S = 0.05  # how long the second call waits


class EquivalentRunner:
    """What asyncio.Runner does, for 3.10: one loop for several run() calls (02-coroutines)."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()

    def __enter__(self) -> EquivalentRunner:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def get_loop(self) -> asyncio.AbstractEventLoop:
        """The loop every run() call uses (02-coroutines)."""
        return self._loop

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run one coroutine to the end on the shared loop (02-coroutines)."""
        return self._loop.run_until_complete(coroutine)

    def close(self) -> None:
        """Cancel what is left, finish async generators and the pool, close (02-coroutines)."""
        loop = self._loop
        try:
            left = asyncio.all_tasks(loop)
            for task in left:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*left, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            loop.close()


async def tick(ticks: list[float]) -> None:
    """Note the loop's time every TICK_S seconds, until cancelled (02-coroutines)."""
    loop = asyncio.get_running_loop()
    while True:
        ticks.append(loop.time())
        await asyncio.sleep(TICK_S)


async def start_ticker(ticks: list[float]) -> asyncio.Task[None]:
    """Start the ticker as a background task, and return at once (02-coroutines)."""
    return asyncio.create_task(tick(ticks))


async def wait_a_little() -> asyncio.AbstractEventLoop:
    """Wait WAIT_S seconds; return the loop this call ran on (02-coroutines)."""
    await asyncio.sleep(WAIT_S)
    return asyncio.get_running_loop()


def with_runner() -> None:
    """Two calls on one Runner: the ticker started by the first keeps ticking in the second."""
    runner_class = getattr(asyncio, "Runner", EquivalentRunner)
    ticks: list[float] = []
    with runner_class() as runner:
        ticker = runner.run(start_ticker(ticks))
        after_first = len(ticks)
        loop = runner.run(wait_a_little())
        ticked = len(ticks) - after_first
        print(f"Runner: second call on the same loop: {loop is runner.get_loop()}")
        print(f"Runner: the ticker ticked during the second call: {ticked > 0}")
    print(f"Runner: after close(), the ticker was cancelled: {ticker.cancelled()}")


def with_two_runs() -> None:
    """Two asyncio.run calls: the first cancels the ticker on its way out; the loops differ."""
    ticks: list[float] = []
    ticker = asyncio.run(start_ticker(ticks))
    first_loop_closed = ticker.get_loop().is_closed()
    after_first = len(ticks)
    loop = asyncio.run(wait_a_little())
    ticked = len(ticks) - after_first
    print(f"asyncio.run twice: second call on the same loop: {loop is ticker.get_loop()}")
    print(f"asyncio.run twice: the ticker ticked during the second call: {ticked > 0}")
    print(f"asyncio.run twice: the first run cancelled the ticker: {ticker.cancelled()}")
    print(f"asyncio.run twice: the first loop is closed: {first_loop_closed}")


if __name__ == "__main__":
    with_runner()
    with_two_runs()
