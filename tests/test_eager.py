import asyncio
import sys

import pytest

from helpers.lessons import eager
from helpers.lessons.eager import MODES, CountingLoop, available, run_tasks


async def hit(key: int) -> int:
    """A cache hit: returns without waiting."""
    return key * key


async def miss(key: int) -> int:
    """A cache miss: waits before it returns."""
    await asyncio.sleep(0.001)
    return key * key


def test_default_tasks_are_scheduled_twice_each_and_start_later():
    run = run_tasks(hit, "default", tasks=200)
    assert run.tasks == 200 and run.scheduled >= 2 * 200
    assert not run.done_at_once
    assert run.cpu_s > 0 and run.cpu_us_per_task == pytest.approx(run.cpu_s / 200 * 1e6)


@pytest.mark.parametrize("mode", [mode for mode in MODES[1:] if available(mode)])
def test_eager_tasks_that_finish_at_once_schedule_nothing(mode):
    run = run_tasks(hit, mode, tasks=200)
    assert run.scheduled == 0 and run.done_at_once


@pytest.mark.parametrize("mode", [mode for mode in MODES[1:] if available(mode)])
def test_eager_tasks_that_wait_are_not_done_at_once(mode):
    run = run_tasks(miss, mode, tasks=20)
    assert not run.done_at_once and run.scheduled > 0


@pytest.mark.parametrize("mode", [mode for mode in MODES if not available(mode)])
def test_a_mode_this_python_lacks_says_so(mode):
    with pytest.raises(RuntimeError, match=f"{mode} needs Python 3"):
        run_tasks(hit, mode)


def test_eager_start_is_gated_on_the_release_whose_loop_passes_it_on():
    """3.13.0 to 3.13.2 refuse loop.create_task(..., eager_start=True); 3.13.3 takes it."""
    assert (3, 13, 2, "final", 0) < eager.SINCE["eager_start"] <= (3, 13, 3, "final", 0)


@pytest.mark.skipif(sys.version_info >= (3, 13, 3), reason="this Python takes eager_start")
def test_a_loop_before_3_13_3_refuses_eager_start():
    loop = CountingLoop()
    coroutine = hit(1)
    try:
        with pytest.raises(TypeError, match="eager_start"):
            loop.create_task(coroutine, eager_start=True)
    finally:
        coroutine.close()
        loop.close()


def test_the_counting_loop_counts_call_soon():
    loop = CountingLoop()
    try:
        loop.call_soon(lambda: None)
        loop.run_until_complete(asyncio.sleep(0))
        assert loop.scheduled >= 1
    finally:
        loop.close()
