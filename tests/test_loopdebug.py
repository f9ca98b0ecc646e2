import asyncio
import logging
import math
import time

import pytest

from helpers.lessons.loopdebug import SlowStep, catch_slow_steps


async def blocker(seconds: float) -> None:
    time.sleep(seconds)  # blocks the loop on purpose


def test_a_blocking_task_is_reported_and_nothing_reaches_stderr(capsys):
    async def main() -> list[SlowStep]:
        async with catch_slow_steps(0.05) as slow:
            await asyncio.gather(blocker(0.1), asyncio.sleep(0.01))
        return slow

    slow = asyncio.run(main())
    assert [step.what for step in slow] == ["task blocker()"]
    assert slow[0].seconds >= 0.1
    assert str(slow[0]).startswith("task blocker() held the loop for ")
    assert capsys.readouterr().err == ""


def test_a_slow_plain_callback_is_named():
    def slow_callback() -> None:
        time.sleep(0.06)

    async def main() -> list[SlowStep]:
        async with catch_slow_steps(0.05) as slow:
            asyncio.get_running_loop().call_soon(slow_callback)
            await asyncio.sleep(0.01)
        return slow

    [step] = asyncio.run(main())
    assert step.what.startswith("<Handle ")
    assert "slow_callback" in step.what
    assert " created at " not in step.what


def test_fast_steps_are_not_reported():
    async def main() -> list[SlowStep]:
        async with catch_slow_steps(0.5) as slow:
            await asyncio.sleep(0.01)
        return slow

    assert asyncio.run(main()) == []


def test_the_loop_and_the_logger_are_restored_even_after_an_error():
    logger = logging.getLogger("asyncio")
    before = (list(logger.handlers), logger.propagate, logger.level)

    async def main() -> tuple[bool, float]:
        loop = asyncio.get_running_loop()
        with pytest.raises(KeyError):
            async with catch_slow_steps(0.05):
                assert loop.get_debug()
                raise KeyError("boom")
        return loop.get_debug(), loop.slow_callback_duration

    assert asyncio.run(main()) == (False, 0.1)
    assert (list(logger.handlers), logger.propagate, logger.level) == before


def test_other_asyncio_warnings_are_logged_again_on_exit(caplog):
    async def main() -> None:
        async with catch_slow_steps(0.05):
            logging.getLogger("asyncio").warning("something else")
            assert "something else" not in caplog.text
        assert "something else" in caplog.text

    asyncio.run(main())


@pytest.mark.parametrize("threshold", [0, -1, math.nan])
def test_a_threshold_that_is_not_positive_is_refused(threshold):
    async def main() -> None:
        async with catch_slow_steps(threshold):
            pass

    with pytest.raises(ValueError, match="threshold must be a number of seconds > 0"):
        asyncio.run(main())
