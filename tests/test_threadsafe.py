import asyncio

from helpers.lessons.threadsafe import NON_THREAD_SAFE, caught_in_debug_mode, wake_from_thread
from helpers.measure.timeline import Timeline


def fill_unsafely(loop, future):
    future.set_result("filled")


def fill_safely(loop, future):
    loop.call_soon_threadsafe(future.set_result, "filled")


def test_an_unsafe_set_result_waits_for_something_else_to_wake_the_loop():
    timeline = Timeline()
    unsafe = wake_from_thread(fill_unsafely, "unsafe", timeline, other_event_after=0.15)
    assert unsafe.how == "unsafe" and unsafe.set_at >= 0.05
    assert unsafe.resumed_at >= unsafe.other_event_at, "nothing woke the loop before the timer"
    assert {record.state for record in timeline.records} == {"running", "waiting", "ready"}
    assert timeline.names == ["unsafe: worker thread", "unsafe: task awaiting"]


def test_call_soon_threadsafe_wakes_the_loop_at_once():
    safe = wake_from_thread(fill_safely, "safe", other_event_after=0.5)
    assert safe.resumed_at < safe.other_event_at
    assert safe.delay >= 0


def test_debug_mode_raises_for_a_loop_method_called_from_another_thread():
    assert caught_in_debug_mode(fill_unsafely).startswith(f"RuntimeError: {NON_THREAD_SAFE}")
    assert caught_in_debug_mode(fill_safely) == "no error"


def test_it_runs_from_a_worker_thread_beside_a_running_loop():
    async def main():
        return await asyncio.to_thread(wake_from_thread, fill_safely, "safe", set_after=0.0)

    assert asyncio.run(main()).how == "safe"
