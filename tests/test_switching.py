import asyncio

import pytest

from helpers.lessons.switching import switch_cost, task_ping_pong, thread_ping_pong


def test_each_round_trip_is_two_switches():
    threads = thread_ping_pong(50)
    tasks = asyncio.run(task_ping_pong(50))
    for run, model in ((threads, "threads"), (tasks, "tasks")):
        assert run.model == model and run.switches == 100
        assert run.seconds > 0 and run.cpu_seconds >= 0
        assert run.us_each == pytest.approx(run.seconds / 100 * 1e6)


def test_switch_cost_runs_both_models_in_a_fresh_process():
    costs = switch_cost(200, rounds=1)
    assert set(costs) == {"threads", "tasks"}
    assert all(cost.switches == 400 for cost in costs.values())


def test_a_thread_switch_costs_more_cpu_than_a_task_switch():
    costs = switch_cost(2_000)
    assert costs["threads"].cpu_us_each > costs["tasks"].cpu_us_each


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="round_trips must be at least 1"):
        switch_cost(0)
    with pytest.raises(TypeError, match="rounds must be an int"):
        switch_cost(10, rounds=1.5)
