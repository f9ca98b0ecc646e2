"""Several calls on one event loop: asyncio.Runner against repeated asyncio.run (02-coroutines).

From the course folder:

    python notebooks/scripts/runner_script.py

Then the loop a program runs on, chosen with loop_factory instead of an event-loop policy.
"""

from __future__ import annotations

import asyncio
import sys

TICK_S = 0.005  # how often the background ticker ticks
WAIT_S = 0.05  # how long the second call waits


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
    ticks: list[float] = []
    with asyncio.Runner() as runner:
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


def with_loop_factory() -> None:
    """Choose the loop's class: loop_factory, in asyncio.run (3.12+) or asyncio.Runner (3.11+)."""
    factory = asyncio.SelectorEventLoop  # or uvloop.new_event_loop
    if sys.version_info >= (3, 12):
        loop = asyncio.run(wait_a_little(), loop_factory=factory)
    else:
        with asyncio.Runner(loop_factory=factory) as runner:
            loop = runner.run(wait_a_little())
    chosen = isinstance(loop, asyncio.SelectorEventLoop)
    print(f"loop_factory: ran on a SelectorEventLoop: {chosen}")


if __name__ == "__main__":
    with_runner()
    with_two_runs()
    with_loop_factory()
