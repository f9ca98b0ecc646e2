import sys

import pytest

from helpers.lessons import footprint as footprint_module
from helpers.lessons.footprint import Headroom, footprint, thread_headroom


@pytest.mark.parametrize("model", ["threads", "tasks"])
def test_footprint_measures_live_units_in_a_fresh_process(model):
    cost = footprint(model, 200)
    assert cost.model == model
    assert cost.count == 200
    assert cost.start_s > 0
    assert cost.start_us_each == pytest.approx(cost.start_s / 200 * 1e6)
    assert cost.start_cpu_s > 0 and cost.start_cpu_us_each == pytest.approx(
        cost.start_cpu_s / 200e-6
    )


def test_a_thread_takes_more_processor_time_to_start_than_a_task():
    threads, tasks = footprint("threads", 2000), footprint("tasks", 2000)
    assert threads.start_cpu_us_each > 3 * tasks.start_cpu_us_each


def test_a_thread_holds_more_memory_than_a_task():
    assert footprint("threads", 2000).rss_kib_each > footprint("tasks", 2000).rss_kib_each


def test_bad_model_and_count_are_named():
    with pytest.raises(ValueError, match="model must be one of"):
        footprint("fibers", 10)
    with pytest.raises(ValueError, match="count must be at least 1"):
        footprint("threads", 0)
    with pytest.raises(TypeError, match="count must be an int"):
        footprint("threads", 10.5)


def test_thread_headroom_names_the_tightest_limit():
    headroom = thread_headroom()
    if sys.platform.startswith("linux"):
        assert isinstance(headroom.threads, int) and headroom.threads > 0
        assert headroom.limit.startswith(("kernel.", "cgroup "))
    else:
        assert headroom == Headroom(None, "not known on this system")


def test_thread_headroom_unknown_without_proc(monkeypatch):
    monkeypatch.setattr(footprint_module, "_read_lines", lambda path: [])
    assert thread_headroom() == Headroom(None, "not known on this system")
