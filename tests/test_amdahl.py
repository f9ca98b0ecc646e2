import pytest

from helpers.lessons.amdahl import amdahl_speedup, fit_serial_fraction


def test_no_serial_part_gives_the_ideal_speed_up():
    assert amdahl_speedup(8, 0.0) == pytest.approx(8)


def test_all_serial_gives_no_speed_up():
    assert amdahl_speedup(8, 1.0) == pytest.approx(1)


def test_speed_up_is_bounded_by_one_over_the_serial_fraction():
    assert amdahl_speedup(4, 0.1) == pytest.approx(1 / (0.1 + 0.9 / 4))
    assert amdahl_speedup(10**9, 0.1) == pytest.approx(10, rel=1e-6)


def test_fit_recovers_the_serial_fraction_of_exact_points():
    speedups = {p: amdahl_speedup(p, 0.2) for p in (1, 2, 3, 4)}
    assert fit_serial_fraction(speedups) == pytest.approx(0.2)


def test_fit_with_one_point_is_the_karp_flatt_metric():
    # 1.6x on 2 workers: (1/1.6 - 1/2) / (1 - 1/2) = 0.25
    assert fit_serial_fraction({2: 1.6}) == pytest.approx(0.25)


def test_fit_clamps_super_linear_and_slower_than_serial_points():
    assert fit_serial_fraction({2: 2.5}) == 0.0
    assert fit_serial_fraction({2: 0.5}) == 1.0


@pytest.mark.parametrize(
    ("speedups", "message"),
    [
        ({1: 1.0}, "at least 2 workers"),
        ({}, "at least 2 workers"),
        ({2: 0.0}, "speed-ups must be positive"),
    ],
)
def test_fit_rejects_what_it_cannot_fit(speedups, message):
    with pytest.raises(ValueError, match=message):
        fit_serial_fraction(speedups)


@pytest.mark.parametrize(
    ("workers", "fraction", "message"),
    [
        (0, 0.1, "workers must be positive"),
        (2, 1.5, "between 0 and 1"),
        (2, -0.1, "between 0 and 1"),
    ],
)
def test_speedup_rejects_bad_input(workers, fraction, message):
    with pytest.raises(ValueError, match=message):
        amdahl_speedup(workers, fraction)
