"""What nest_asyncio2 changes, shown in a process of its own: no kernel is patched (02-coroutines).

From the course folder:

    python notebooks/scripts/nest_asyncio_demo.py                 # what apply() allows and breaks
    python notebooks/scripts/nest_asyncio_demo.py --this-machine  # what depends on Python, uvloop
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import logging
import platform
import time

import nest_asyncio2


async def hello() -> str:
    """Wait as a slow network call would, then answer (02-coroutines)."""
    await asyncio.sleep(0.05)
    return "Hello, World"


def greet_the_articles_way() -> str:
    """A plain function that runs hello() the article's way: run_until_complete (02-coroutines)."""
    greeting = hello()
    try:
        return asyncio.get_event_loop().run_until_complete(greeting)
    finally:
        greeting.close()  # does nothing if it ran; if the call failed, no "never awaited" warning


class Account:
    """A bank balance shared by several tasks (02-coroutines)."""

    def __init__(self) -> None:
        self.balance = 0


async def write_log(line: str) -> None:
    """Send a log line somewhere; the sleep stands in for the network (02-coroutines)."""
    await asyncio.sleep(0)


def audit(line: str) -> None:
    """A plain function from some library that runs a coroutine in a nested loop (02-coroutines)."""
    asyncio.get_event_loop().run_until_complete(write_log(line))


async def deposit(account: Account, times: int) -> None:
    """Read, audit, write back plus one: no `await` between read and write (02-coroutines)."""
    for _ in range(times):
        balance = account.balance
        audit(f"deposit, balance was {balance}")
        account.balance = balance + 1


async def show_the_patch() -> None:
    """Print what apply() allows and what it changes for every later caller (02-coroutines)."""
    try:
        greet_the_articles_way()
    except RuntimeError as error:
        print(f"before apply(), inside a running loop: RuntimeError: {error}")
    nest_asyncio2.apply()
    print(f"after apply(), the same call returned {greet_the_articles_way()!r}")

    account, tasks, times = Account(), 4, 100
    await asyncio.gather(*(deposit(account, times) for _ in range(tasks)))
    print(
        f"{tasks} tasks x {times} deposits, no await between read and write: "
        f"balance {account.balance} of {tasks * times}"
    )

    print(f"asyncio.run now comes from the module {asyncio.run.__module__!r}")
    fresh = asyncio.new_event_loop()
    try:
        print(f"a loop created after apply() is patched too: {hasattr(fresh, '_nest_patched')}")
    finally:
        fresh.close()


async def block() -> None:
    """Hold the loop's thread for 0.1 s, as a blocking call would (02-coroutines)."""
    time.sleep(0.1)


def slow_steps_reported(*, patched: bool) -> int:
    """Run block() on a new loop in debug mode; count its slow-step reports (02-coroutines)."""
    reports: list[logging.LogRecord] = []
    catcher = logging.Handler()
    catcher.emit = reports.append  # type: ignore[method-assign]
    logger = logging.getLogger("asyncio")
    logger.addHandler(catcher)
    loop = asyncio.new_event_loop()
    if patched:
        nest_asyncio2.apply(loop)  # patches the loop's class: every loop of the class
    try:
        loop.set_debug(True)
        loop.slow_callback_duration = 0.05  # seconds: block() takes twice that
        loop.run_until_complete(block())
    finally:
        loop.close()
        logger.removeHandler(catcher)
    # only block()'s step: on a busy machine another step may be slow too
    return sum("block()" in report.getMessage() for report in reports)


def show_this_machine() -> None:
    """Print what the patch does that depends on the Python version and uvloop (02-coroutines)."""
    print(f"Python {platform.python_version()}")
    before = slow_steps_reported(patched=False)
    after = slow_steps_reported(patched=True)
    print(f"debug mode, a step that blocks 0.1 s: {before} report(s) before apply(), {after} after")
    nest_asyncio2.apply()  # outside any loop, as a script's first lines often do
    try:
        loop = asyncio.get_event_loop()
    except RuntimeError as error:
        print(f"after apply(), get_event_loop() with no loop raised RuntimeError: {error}")
    else:
        print("after apply(), get_event_loop() with no loop returned one, without a warning")
        loop.close()
    if importlib.util.find_spec("uvloop") is None:
        print("uvloop is not installed: nothing to show (pip install uvloop; not on Windows)")
        return
    import uvloop

    uv_loop = uvloop.new_event_loop()
    try:
        nest_asyncio2.apply(uv_loop)
    except ValueError as error:
        print(f"apply() on a uvloop loop raised ValueError: {error}")
    finally:
        uv_loop.close()


def main() -> None:
    """Run the part of the demonstration the command line asks for (02-coroutines)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--this-machine", action="store_true", help="version-dependent part")
    if parser.parse_args().this_machine:
        show_this_machine()
    else:
        asyncio.run(show_the_patch())


if __name__ == "__main__":
    main()
