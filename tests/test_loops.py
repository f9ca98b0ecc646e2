import asyncio
import gc
import time
from functools import partial

import pytest

from helpers.lessons.loops import (
    echo_round_trips,
    heartbeat,
    loop_factories,
    run_on_new_loop,
    task_churn,
    time_loops,
)
from helpers.measure.timeline import Timeline


async def beat_around(block_s: float) -> tuple[list[float], Timeline]:
    timeline = Timeline()
    stop = asyncio.Event()
    beat = asyncio.create_task(heartbeat(stop, 0.02, timeline))
    await asyncio.sleep(0.1)
    time.sleep(block_s)  # blocks the loop, as CPU work in a coroutine would
    await asyncio.sleep(0.1)
    stop.set()
    return await beat, timeline


def test_heartbeat_ticks_on_time_while_the_loop_is_free():
    gaps, timeline = asyncio.run(beat_around(0))
    assert len(gaps) >= 5
    assert max(gaps) < 0.2
    assert timeline.names == ["heartbeat"]


def test_heartbeat_shows_a_gap_as_long_as_the_block():
    gaps, _ = asyncio.run(beat_around(0.3))
    assert max(gaps) >= 0.3


def test_heartbeat_rejects_a_zero_interval():
    with pytest.raises(ValueError, match="interval must be positive, got 0"):
        asyncio.run(heartbeat(asyncio.Event(), 0))


def test_loop_factories_offer_asyncio_and_uvloop_where_installed():
    factories = loop_factories()
    try:
        import uvloop  # noqa: F401
    except ImportError:
        assert list(factories) == ["asyncio"]
    else:
        assert list(factories) == ["asyncio", "uvloop"]


@pytest.mark.parametrize("kind", list(loop_factories()))
def test_run_on_new_loop_uses_that_kind_even_inside_a_running_loop(kind):
    async def loop_module() -> str:
        return type(asyncio.get_running_loop()).__module__

    async def cell() -> str:  # a running loop, as in a Jupyter kernel
        return run_on_new_loop(loop_factories()[kind], loop_module)

    module = asyncio.run(cell())
    assert module.startswith("uvloop") if kind == "uvloop" else module.startswith("asyncio")


@pytest.mark.parametrize("kind", list(loop_factories()))
def test_echo_and_tasks_run_on_each_kind_of_loop(kind):
    factory = loop_factories()[kind]
    assert 0 < run_on_new_loop(factory, partial(echo_round_trips, 50)) < 10
    assert 0 < run_on_new_loop(factory, partial(task_churn, 500)) < 10


def test_time_loops_times_every_kind_in_rounds():
    timings = time_loops(partial(task_churn, 100), repeats=2)
    assert list(timings) == list(loop_factories())
    assert all(len(timing.runs) == 2 for timing in timings.values())


@pytest.mark.parametrize(
    ("coroutine", "message"),
    [
        (partial(echo_round_trips, 0), "count and size must be at least 1"),
        (partial(echo_round_trips, 1, 0), "count and size must be at least 1"),
        (partial(task_churn, 0), "count must be at least 1, got 0"),
    ],
)
def test_benchmarks_reject_bad_counts(coroutine, message):
    with pytest.raises(ValueError, match=message):
        asyncio.run(coroutine())


def test_time_loops_rejects_zero_repeats():
    with pytest.raises(ValueError, match="repeats must be at least 1, got 0"):
        time_loops(partial(task_churn, 1), repeats=0)


def test_time_loops_pauses_the_garbage_collector_and_restores_it():
    async def collecting() -> float:
        return float(gc.isenabled())

    timings = time_loops(collecting, repeats=1)
    assert all(timing.runs == (0.0,) for timing in timings.values())
    assert gc.isenabled()
