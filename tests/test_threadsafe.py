import asyncio

from helpers.lessons.threadsafe import NON_THREAD_SAFE, caught_in_debug_mode, wake_from_thread
from helpers.measure.timeline import Timeline


def test_an_unsafe_set_result_waits_for_something_else_to_wake_the_loop():
    timeline = Timeline()
    unsafe = wake_from_thread(False, timeline, set_after=0.05, other_event_after=0.15)
    assert unsafe.set_at >= 0.05
    assert unsafe.resumed_at >= unsafe.other_event_at, "nothing woke the loop before the timer"
    assert {record.state for record in timeline.records} == {"running", "waiting", "ready"}


def test_call_soon_threadsafe_wakes_the_loop_at_once():
    safe = wake_from_thread(True, set_after=0.05, other_event_after=0.5)
    assert safe.resumed_at < safe.other_event_at
    assert safe.delay >= 0


def test_debug_mode_raises_for_call_soon_from_another_thread():
    assert caught_in_debug_mode().startswith(NON_THREAD_SAFE)


def test_it_runs_from_a_worker_thread_beside_a_running_loop():
    async def main():
        return await asyncio.to_thread(wake_from_thread, True, set_after=0.0)

    assert asyncio.run(main()).how.startswith("loop.call_soon_threadsafe")
