import asyncio

import pytest

from helpers.lessons.eager import MODES, CountingLoop, available, cached_square, run_tasks


def test_default_tasks_are_scheduled_twice_each_and_start_later():
    run = run_tasks("default", tasks=200)
    assert run.tasks == 200 and run.scheduled >= 2 * 200
    assert not run.body_first
    assert run.cpu_s > 0 and run.cpu_us_per_task == pytest.approx(run.cpu_s / 200 * 1e6)


@pytest.mark.skipif(not available("eager_task_factory"), reason="the factory is new in 3.12")
def test_eager_tasks_that_finish_at_once_schedule_nothing():
    run = run_tasks("eager_task_factory", tasks=200)
    assert run.scheduled == 0 and run.body_first


@pytest.mark.parametrize("mode", [mode for mode in MODES if not available(mode)])
def test_a_mode_this_python_lacks_says_so(mode):
    with pytest.raises(RuntimeError, match=f"{mode} needs a newer Python"):
        run_tasks(mode)


def test_a_cache_miss_waits_and_still_computes():
    assert asyncio.run(cached_square(10**6)) == 10**12


def test_the_counting_loop_counts_call_soon():
    loop = CountingLoop()
    try:
        loop.call_soon(lambda: None)
        loop.run_until_complete(asyncio.sleep(0))
        assert loop.scheduled >= 1
    finally:
        loop.close()
