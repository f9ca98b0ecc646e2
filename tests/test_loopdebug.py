import asyncio
import logging
import time

import pytest

from helpers.lessons.loopdebug import SlowStep, catch_slow_steps


async def blocker(seconds: float) -> None:
    time.sleep(seconds)  # blocks the loop on purpose


def debug(threshold: float) -> None:
    """What a notebook cell does inside the block: debug mode on, and its threshold."""
    loop = asyncio.get_running_loop()
    loop.set_debug(True)
    loop.slow_callback_duration = threshold


def test_a_blocking_task_is_reported_and_nothing_reaches_stderr(capsys):
    async def main() -> list[SlowStep]:
        async with catch_slow_steps() as slow:
            debug(0.05)
            await asyncio.gather(blocker(0.1), asyncio.sleep(0.01))
        return slow

    slow = asyncio.run(main())
    assert [step.what for step in slow] == ["task blocker()"]
    assert slow[0].seconds >= 0.1
    assert str(slow[0]).startswith("task blocker() held the loop for ")
    assert slow[0].report.startswith("Executing <Task ")
    assert "coro=<blocker() " in slow[0].report and slow[0].report.endswith(" seconds")
    assert capsys.readouterr().err == ""


def test_a_slow_plain_callback_is_named():
    def slow_callback() -> None:
        time.sleep(0.06)

    async def main() -> list[SlowStep]:
        async with catch_slow_steps() as slow:
            debug(0.05)
            asyncio.get_running_loop().call_soon(slow_callback)
            await asyncio.sleep(0.01)
        return slow

    [step] = asyncio.run(main())
    assert step.what.startswith("<Handle ")
    assert "slow_callback" in step.what
    assert " created at " not in step.what


def test_fast_steps_are_not_reported():
    async def main() -> list[SlowStep]:
        async with catch_slow_steps() as slow:
            debug(0.5)
            await asyncio.sleep(0.01)
        return slow

    assert asyncio.run(main()) == []


def test_without_debug_mode_nothing_is_reported():
    async def main() -> list[SlowStep]:
        async with catch_slow_steps() as slow:
            await blocker(0.06)
            await asyncio.sleep(0)
        return slow

    assert asyncio.run(main()) == []


def test_the_loop_and_the_logger_are_restored_even_after_an_error():
    logger = logging.getLogger("asyncio")
    before = (list(logger.handlers), logger.propagate, logger.level)

    async def main() -> tuple[bool, float]:
        loop = asyncio.get_running_loop()
        with pytest.raises(KeyError):
            async with catch_slow_steps():
                debug(0.05)
                raise KeyError("boom")
        return loop.get_debug(), loop.slow_callback_duration

    assert asyncio.run(main()) == (False, 0.1)
    assert (list(logger.handlers), logger.propagate, logger.level) == before


def test_other_asyncio_warnings_are_logged_again_on_exit(caplog):
    async def main() -> None:
        async with catch_slow_steps():
            logging.getLogger("asyncio").warning("something else")
            assert "something else" not in caplog.text
        assert "something else" in caplog.text

    asyncio.run(main())
