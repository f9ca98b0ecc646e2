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


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/meminfo is Linux's")
def test_threads_report_their_kernel_stacks_which_rss_leaves_out():
    threads, tasks = footprint("threads", 2000), footprint("tasks", 2000)
    assert threads.kernel_stack_kib_each >= 4  # 16 KiB on x86-64; others' threads move it a little
    assert tasks.kernel_stack_bytes == 0


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
        assert headroom.limit.startswith(("kernel.", "cgroup ", "RLIMIT_NPROC", "vm.max_map_count"))
    else:
        assert headroom == Headroom(None, "not known on this system")


def test_thread_headroom_unknown_without_proc(monkeypatch):
    monkeypatch.setattr(footprint_module, "_read_lines", lambda path: [])
    assert thread_headroom() == Headroom(None, "not known on this system")


def fake_linux(monkeypatch, *, maps=1_000, nproc=None, uid=1000, user_threads=0):
    """A Linux whose kernel limits are large, so that the limit under test is the tightest."""
    files = {
        "/proc/sys/kernel/pid_max": 4_194_304,
        "/proc/sys/kernel/threads-max": 1_000_000,
        "/proc/sys/vm/max_map_count": 65_530,
    }
    lines = {
        "/proc/loadavg": ["0.50 0.40 0.30 2/100 12345"],
        "/proc/self/maps": ["mapping"] * maps,
    }
    monkeypatch.setattr(footprint_module.sys, "platform", "linux")
    monkeypatch.setattr(footprint_module, "_read_int", files.get)
    monkeypatch.setattr(footprint_module, "_read_lines", lambda path: lines.get(path, []))
    monkeypatch.setattr(footprint_module.os, "getuid", lambda: uid)
    monkeypatch.setattr(footprint_module, "_user_threads", lambda uid: user_threads)
    import resource

    limit = resource.RLIM_INFINITY if nproc is None else nproc
    monkeypatch.setattr(resource, "getrlimit", lambda which: (limit, limit))


@pytest.mark.skipif(sys.platform == "win32", reason="the resource module is Unix only")
def test_thread_headroom_counts_two_mappings_a_thread_under_max_map_count(monkeypatch):
    fake_linux(monkeypatch, maps=1_000)
    assert thread_headroom() == Headroom(
        (65_530 - 1_000) // 2, "vm.max_map_count = 65,530, 2 mappings a thread"
    )


@pytest.mark.skipif(sys.platform == "win32", reason="the resource module is Unix only")
def test_thread_headroom_reads_rlimit_nproc_less_the_users_threads(monkeypatch):
    fake_linux(monkeypatch, nproc=4_096, user_threads=1_000)
    assert thread_headroom() == Headroom(3_096, "RLIMIT_NPROC (ulimit -u) = 4,096")


@pytest.mark.skipif(sys.platform == "win32", reason="the resource module is Unix only")
def test_thread_headroom_ignores_rlimit_nproc_for_root(monkeypatch):
    fake_linux(monkeypatch, nproc=4_096, uid=0, user_threads=4_000)
    assert thread_headroom().limit.startswith("vm.max_map_count")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_user_threads_counts_at_least_this_process():
    import os
    import threading

    assert footprint_module._user_threads(os.getuid()) >= threading.active_count()
