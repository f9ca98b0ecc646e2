import pytest

from helpers.lessons.waves import (
    PoolModel,
    amdahl_speedup,
    busiest_worker_tasks,
    fit_pool_model,
    waves,
)


def test_no_serial_part_gives_the_ideal_speed_up():
    assert amdahl_speedup(8, 0.0) == pytest.approx(8)


def test_all_serial_gives_no_speed_up():
    assert amdahl_speedup(8, 1.0) == pytest.approx(1)


def test_amdahl_speed_up_is_bounded_by_one_over_the_serial_fraction():
    assert amdahl_speedup(4, 0.1) == pytest.approx(1 / (0.1 + 0.9 / 4))
    assert amdahl_speedup(10**9, 0.1) == pytest.approx(10, rel=1e-6)


@pytest.mark.parametrize(
    ("tasks", "workers", "chunksize", "busiest"),
    [
        (20, 1, 1, 20),
        (20, 2, 1, 10),
        (20, 3, 1, 7),
        (20, 8, 1, 3),  # 20 / 3 = 6.7x at best on 8 workers, not 8x
        (20, 16, 1, 2),
        (20, 2, 3, 11),  # 7 chunks: 3+3+3+2 on one worker, 3+3+3 on the other
        (20, 4, 2, 6),
        (3, 4, 1, 1),
    ],
)
def test_busiest_worker_runs_its_waves(tasks, workers, chunksize, busiest):
    assert busiest_worker_tasks(tasks, workers, chunksize) == busiest


def test_more_workers_than_cores_take_turns():
    assert waves(20, 3) == 7
    assert waves(20, 3, cpus=2) == 10
    assert waves(20, 2, cpus=2) == 10


def test_fit_recovers_overhead_and_work_from_every_point():
    model = PoolModel(overhead_s=0.1, work_s=2.0, tasks=20)
    times = [(w, model.time_s(w, cpus=2)) for w in (1, 2, 3) for _ in range(3)]
    fitted = fit_pool_model(times, 20, cpus=2)
    assert fitted.overhead_s == pytest.approx(0.1)
    assert fitted.work_s == pytest.approx(2.0)
    assert fitted.time_s(8) == pytest.approx(0.1 + 2.0 * 3 / 20)


def test_fit_is_least_squares_not_through_two_points():
    times = [(1, 2.0), (2, 1.2), (2, 1.0)]  # work 2 at 1 wave-share 1, 1.1 on average at 0.5
    fitted = fit_pool_model(times, 20)
    assert fitted.overhead_s == pytest.approx(0.2)
    assert fitted.work_s == pytest.approx(1.8)


def test_fit_keeps_overhead_and_work_non_negative():
    assert fit_pool_model([(1, 1.0), (2, 0.2)], 20).overhead_s == 0.0
    flat = fit_pool_model([(1, 1.0), (2, 1.5)], 20)
    assert flat.work_s == 0.0 and flat.overhead_s == pytest.approx(1.25)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: fit_pool_model([(1, 1.0), (1, 1.1)], 20), "two different numbers of waves"),
        (lambda: fit_pool_model([(2, 1.0), (3, 1.1)], 20, cpus=1), "two different numbers"),
        (lambda: busiest_worker_tasks(0, 2), "need tasks, workers and chunksize >= 1"),
        (lambda: amdahl_speedup(0, 0.1), "workers must be positive"),
        (lambda: amdahl_speedup(2, 1.5), "between 0 and 1"),
    ],
)
def test_bad_input_is_rejected(call, message):
    with pytest.raises(ValueError, match=message):
        call()
