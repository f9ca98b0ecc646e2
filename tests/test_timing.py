import asyncio
import io
import time

import pytest

from helpers.measure.timing import Stopwatch, Timing, repeat, repeat_async, repeat_in_rounds


def test_repeat_returns_one_run_per_repeat():
    calls = []
    timing = repeat(lambda: calls.append(1), repeats=4)
    assert len(calls) == 4
    assert len(timing.runs) == 4
    assert timing.min <= timing.median <= timing.max


def test_repeat_measures_wall_clock_time():
    timing = repeat(lambda: time.sleep(0.02), repeats=3)
    assert 0.02 <= timing.min < 0.5


def test_timing_statistics_from_known_runs():
    timing = Timing((3.0, 1.0, 2.0, 10.0))
    assert timing.median == 2.5
    assert timing.min == 1.0
    assert timing.max == 10.0
    assert str(timing) == "median 2.500 s (min 1.000, max 10.000, 4 runs)"


def test_timing_rejects_no_runs():
    with pytest.raises(ValueError, match="runs is empty"):
        Timing(())


@pytest.mark.parametrize("repeats", [0, -1])
def test_repeat_rejects_non_positive_repeats(repeats):
    with pytest.raises(ValueError, match="repeats must be at least 1"):
        repeat(lambda: None, repeats=repeats)


@pytest.mark.parametrize("repeats", [2.5, "3", True])
def test_repeat_rejects_non_int_repeats(repeats):
    with pytest.raises(TypeError, match="repeats must be an int"):
        repeat(lambda: None, repeats=repeats)


def test_repeat_reports_which_run_raised():
    runs = iter([None, None, ZeroDivisionError("boom")])

    def flaky():
        outcome = next(runs)
        if outcome is not None:
            raise outcome

    with pytest.raises(RuntimeError, match=r"func .*flaky raised ZeroDivisionError on run 3 of 3"):
        repeat(flaky, repeats=3)


def test_repeat_refuses_a_coroutine_function():
    async def work():
        return None

    with pytest.raises(TypeError, match="repeat_async"):
        repeat(work)


def test_repeat_async_awaits_each_run():
    async def nap():
        await asyncio.sleep(0.01)

    timing = asyncio.run(repeat_async(nap, repeats=3))
    assert len(timing.runs) == 3
    assert timing.min >= 0.01


def test_repeat_async_rejects_bad_repeats_and_plain_functions():
    with pytest.raises(ValueError, match="repeats must be at least 1"):
        asyncio.run(repeat_async(asyncio.sleep, repeats=0))
    with pytest.raises(RuntimeError, match="not an awaitable"):
        asyncio.run(repeat_async(lambda: 42, repeats=1))


def test_repeat_async_reports_a_raising_coroutine():
    async def broken():
        raise KeyError("missing")

    with pytest.raises(RuntimeError, match="raised KeyError on run 1 of 2"):
        asyncio.run(repeat_async(broken, repeats=2))


def test_stopwatch_measures_its_block():
    with Stopwatch() as watch:
        time.sleep(0.02)
        running = watch.elapsed
    assert 0.02 <= running <= watch.elapsed < 0.5
    assert watch.elapsed == watch.elapsed


def test_stopwatch_stops_when_its_block_raises():
    watch = Stopwatch()
    with pytest.raises(KeyError), watch:
        raise KeyError("x")
    assert watch.elapsed == watch.elapsed


def test_stopwatch_unstarted_is_an_error():
    with pytest.raises(RuntimeError, match="has not been started"):
        _ = Stopwatch().elapsed


def test_repeat_in_rounds_interleaves_and_times_each_func():
    calls = []
    progress = io.StringIO()
    timings = repeat_in_rounds(
        {"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, 2, progress
    )
    assert calls == ["a", "b", "a", "b"]
    assert [len(t.runs) for t in timings.values()] == [2, 2]
    assert progress.getvalue().splitlines()[0].startswith("round 1/2, a: ")


def test_repeat_in_rounds_names_the_failing_round():
    def fail():
        raise ValueError("boom")

    with pytest.raises(RuntimeError, match="raised ValueError on run 1 of 3: boom"):
        repeat_in_rounds({"ok": lambda: None, "bad": fail}, 3)
