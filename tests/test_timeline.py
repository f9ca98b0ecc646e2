import asyncio
import inspect
import itertools
import math
import multiprocessing
import pickle
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import matplotlib
import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure

from helpers.measure.timeline import Record, Timeline, run_recorded

matplotlib.use("Agg")


def states(tl: Timeline, name: str) -> list[str]:
    return [record.state for record in tl.records if record.name == name]


def test_traced_coroutines_under_gather_overlap_and_wait():
    tl = Timeline()

    @tl.traced
    async def nap(seconds: float) -> float:
        await asyncio.sleep(seconds)
        return seconds

    async def main() -> list[float]:
        return await asyncio.gather(nap(0.3), nap(0.6))

    assert inspect.iscoroutinefunction(nap)
    assert asyncio.run(main()) == [0.3, 0.6]
    assert tl.names == ["nap #1", "nap #2"]
    assert states(tl, "nap #1") == ["running", "waiting", "running"]
    assert tl.overlap("nap #1", "nap #2") > 0.25
    assert 0.59 < tl.elapsed < 0.8  # together, not 0.3 + 0.6 = 0.9 one after the other
    assert tl.max_concurrency() == 2
    assert tl.max_concurrency("running") == 1  # one event loop runs one coroutine at a time
    assert 0.89 < sum(r.duration for r in tl.records if r.state == "waiting") < 1.1


def test_task_context_manager_inside_coroutines_with_waiting():
    tl = Timeline()

    async def fetch(i: int) -> None:
        with tl.task(f"fetch {i}") as span:
            with span.waiting():
                await asyncio.sleep(0.1)
            time.sleep(0.02)

    async def main() -> None:
        await asyncio.gather(fetch(1), fetch(2))

    asyncio.run(main())
    assert tl.names == ["fetch 1", "fetch 2"]
    assert states(tl, "fetch 2") == ["running", "waiting", "running"]
    assert tl.overlap("fetch 1", "fetch 2") > 0.05
    assert tl.max_concurrency("running") == 1
    assert {record.outcome for record in tl.records} == {"ok"}


def test_traced_sync_function_in_threads_runs_concurrently():
    tl = Timeline()

    @tl.traced
    def work(seconds: float) -> str:
        time.sleep(seconds)
        return threading.current_thread().name

    with ThreadPoolExecutor(max_workers=4) as pool:
        threads = list(pool.map(work, [0.2] * 4))
    assert len(set(threads)) == 4
    assert sorted(tl.names) == ["work #1", "work #2", "work #3", "work #4"]
    assert tl.max_concurrency() == 4
    assert 0.19 < tl.elapsed < 0.6  # not 4 x 0.2 = 0.8
    assert work.__name__ == "work"


def test_recording_from_many_threads_loses_nothing():
    tl = Timeline()

    @tl.traced
    def tiny() -> None:
        pass

    def many() -> None:
        for _ in range(200):
            tiny()
            with tl.task(f"{threading.get_ident()} {time.perf_counter_ns()}"):
                pass

    threads = [threading.Thread(target=many) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(tl.records) == 2 * 8 * 200
    assert len(tl.names) == 2 * 8 * 200  # every call numbered once: no shared rows


def test_spawned_process_records_line_up_with_the_parent():
    tl = Timeline()
    spawn = multiprocessing.get_context("spawn")
    before = time.time()
    with ProcessPoolExecutor(max_workers=2, mp_context=spawn) as pool:
        for _, record in pool.map(run_recorded, itertools.repeat(time.sleep), [0.5, 0.6]):
            tl.add(record)
        # math.sqrt(-1)'s message, and 3.14's
        with pytest.raises(ValueError, match=r"math domain error|expected a nonnegative input"):
            pool.submit(run_recorded, math.sqrt, -1.0).result()
    after = time.time()
    assert tl.names == ["sleep(0.5)", "sleep(0.6)"] or tl.names == ["sleep(0.6)", "sleep(0.5)"]
    assert 0.49 < tl.duration("sleep(0.5)") < 0.9
    for record in tl.records:
        assert before - 0.05 < record.start < record.end < after + 0.05
    assert tl.overlap("sleep(0.5)", "sleep(0.6)") > 0.2


def test_run_recorded_takes_a_name_and_its_record_pickles():
    result, record = run_recorded(sum, [1, 2, 3], name="sum of three")
    assert result == 6
    assert record.name == "sum of three"
    assert pickle.loads(pickle.dumps(record)) == record
    assert run_recorded(pow, 2, 10)[1].name == "pow(2, 10)"


def test_raising_task_ends_when_it_stopped_and_propagates():
    tl = Timeline()
    with pytest.raises(ZeroDivisionError), tl.task("boom"):
        time.sleep(0.1)
        1 / 0  # noqa: B018
    stopped = time.time()

    @tl.traced
    def fails() -> None:
        raise KeyError("missing")

    with pytest.raises(KeyError, match="missing"):
        fails()
    (boom,) = (record for record in tl.records if record.name == "boom")
    assert boom.outcome == "error"
    assert 0.09 < boom.duration < 0.5
    assert boom.end <= stopped + 0.01
    assert tl.outcome("fails #1") == "error"


def test_raising_coroutine_is_marked_on_every_record():
    tl = Timeline()

    @tl.traced
    async def fails_after_wait() -> None:
        await asyncio.sleep(0.05)
        raise RuntimeError("server said no")

    with pytest.raises(RuntimeError, match="server said no"):
        asyncio.run(fails_after_wait())
    assert states(tl, "fails_after_wait #1") == ["running", "waiting", "running"]
    assert {record.outcome for record in tl.records} == {"error"}


def test_cancelled_coroutine_ends_at_cancellation():
    tl = Timeline()

    @tl.traced
    async def slow() -> None:
        await asyncio.sleep(10)

    async def main() -> None:
        task = asyncio.create_task(slow())
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert 0.09 < tl.duration("slow #1") < 0.5
    assert tl.outcome("slow #1") == "cancelled"
    assert {record.outcome for record in tl.records} == {"cancelled"}


def test_timeout_cancels_a_with_block_inside_a_coroutine():
    tl = Timeline()

    async def fetch() -> None:
        with tl.task("fetch") as span, span.waiting():
            await asyncio.sleep(10)

    async def main() -> None:
        await asyncio.wait_for(fetch(), timeout=0.1)

    with pytest.raises(asyncio.TimeoutError):
        asyncio.run(main())
    assert tl.outcome("fetch") == "cancelled"
    assert tl.duration("fetch") < 0.5


def test_zero_tasks_raise_and_create_no_figure():
    tl = Timeline()
    figures = plt.get_fignums()
    with pytest.raises(ValueError, match="no tasks recorded"):
        tl.plot("nothing ran", ylabel="request")
    assert plt.get_fignums() == figures
    with pytest.raises(ValueError, match="no tasks recorded"):
        _ = tl.elapsed
    assert tl.records == []
    assert tl.max_concurrency() == 0


def test_summaries_of_known_records():
    tl = Timeline()
    tl.add(Record("a", 0.0, 1.0))
    tl.add(Record("b", 0.5, 2.0))
    tl.add(Record("c", 2.0, 3.0))  # touches b, does not overlap it
    assert tl.elapsed == 3.0
    assert tl.duration("b") == 1.5
    assert tl.overlap("a", "b") == 0.5
    assert tl.overlap("a", "c") == 0.0
    assert tl.max_concurrency() == 2
    assert tl.max_concurrency("waiting") == 0


def test_bad_input_gives_clear_errors():
    tl = Timeline()
    with pytest.raises(TypeError, match="pass only the record"):
        tl.add(run_recorded(abs, -1))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="state must be one of"):
        Record("x", 0.0, 1.0, state="sleeping")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="outcome must be one of"):
        Record("x", 0.0, 1.0, outcome="fine")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="before start"):
        Record("x", 1.0, 0.0)
    with pytest.raises(TypeError, match="non-empty str"):
        tl.task("")
    with pytest.raises(TypeError, match="generator function"):

        @tl.traced
        def numbers():
            yield 1

    span = tl.task("once")
    with pytest.raises(RuntimeError, match="not running"), span.waiting():
        pass
    with span:
        pass
    with pytest.raises(RuntimeError, match="already recorded"), span:
        pass
    with pytest.raises(KeyError, match="no task named 'twice'; recorded: once"):
        tl.duration("twice")
    with pytest.raises(ValueError, match="state must be None or one of"):
        tl.max_concurrency("sleeping")  # type: ignore[arg-type]


def legend_labels(fig: Figure) -> list[str]:
    (legend,) = fig.legends
    return [text.get_text() for text in legend.get_texts()]


def test_the_legend_names_only_states_wide_enough_to_see():
    tl = Timeline()

    async def request() -> None:
        with tl.task("request") as span, span.waiting():
            await asyncio.sleep(0.1)

    asyncio.run(request())
    assert states(tl, "request") == ["running", "waiting", "running"]  # before and after the wait
    tl = Timeline()  # the same, with its moments fixed: a busy machine may stretch the running
    tl.add(Record("request", 0.0, 0.000_01))
    tl.add(Record("request", 0.000_01, 0.1, "waiting"))
    tl.add(Record("request", 0.1, 0.100_02))
    tl.add(Record("another", 0.0, 0.05, "queued"))
    fig = tl.plot("one request waits", ylabel="request")
    try:
        assert legend_labels(fig) == ["waiting", "queued"]
        assert len(fig.axes[0].lines) == 0  # nothing failed: no mark
    finally:
        plt.close(fig)


def test_waiting_ready_after_records_the_time_ready_but_not_resumed():
    tl = Timeline()

    async def nap() -> None:
        with tl.task("nap") as span, span.waiting(ready_after=0.05):
            await asyncio.sleep(0.05)

    async def main() -> None:
        napping = asyncio.create_task(nap())
        await asyncio.sleep(0)  # the nap starts its timer
        time.sleep(0.2)  # and the loop is busy past it

        await napping

    asyncio.run(main())
    ready = [r for r in tl.records if r.state == "ready"]
    waiting = [r for r in tl.records if r.state == "waiting"]
    assert len(ready) == len(waiting) == 1
    assert waiting[0].duration == pytest.approx(0.05)
    assert ready[0].start == waiting[0].end and ready[0].duration >= 0.1
    fig = tl.plot("the nap was ready long before the loop resumed it", ylabel="coroutine")
    try:
        # "running" too, if a busy machine stretched the microseconds around the wait
        assert set(legend_labels(fig)) - {"running"} == {"waiting", "ready to resume"}
    finally:
        plt.close(fig)


def test_waiting_ready_after_records_no_ready_time_when_resumed_in_time():
    tl = Timeline()
    with tl.task("quick") as span, span.waiting(ready_after=10):
        pass
    assert "ready" not in states(tl, "quick")
    span = tl.task("bad")
    with pytest.raises(ValueError, match="ready_after must be"), span, span.waiting(ready_after=-1):
        pass


def test_queued_records_the_wait_for_a_permit():
    tl = Timeline()

    async def fetch(permits: asyncio.Semaphore, number: int) -> None:
        with tl.task(f"fetch {number}") as span:
            with span.queued():
                await permits.acquire()
            try:
                with span.waiting():
                    await asyncio.sleep(0.05)
            finally:
                permits.release()

    async def main() -> None:
        permits = asyncio.Semaphore(2)
        await asyncio.gather(*(fetch(permits, n) for n in range(4)))

    asyncio.run(main())
    assert tl.max_concurrency() == 4
    assert tl.max_concurrency("waiting") == 2
    queued = sum(r.duration for r in tl.records if r.state == "queued")
    assert queued >= 2 * 0.05 * 0.9  # the last two waited one fetch each
    fig = tl.plot("two permits, four fetches", ylabel="fetch")
    try:
        assert set(legend_labels(fig)) - {"running"} == {"waiting", "queued"}
    finally:
        plt.close(fig)
    nested = tl.task("nested")
    with nested, nested.queued(), pytest.raises(RuntimeError, match=r"queued\(\)"), nested.queued():
        pass
