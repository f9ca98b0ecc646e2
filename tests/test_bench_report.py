import pytest

from helpers.bench import report as bench_report
from helpers.bench.report import RunConditions, interquartile_range


@pytest.mark.parametrize(
    ("runs", "expected"),
    [
        ([1.0], 0.0),
        ([1.0, 3.0], 1.0),  # quartiles 1.5 and 2.5
        ([1.0, 2.0, 3.0, 4.0, 5.0], 2.0),  # quartiles 2 and 4
        ([5.0, 1.0, 4.0, 2.0, 3.0], 2.0),  # order does not matter
        ([1.0, 1.1, 1.0, 9.0, 1.05], 0.1),  # one slow run barely moves it
    ],
)
def test_interquartile_range(runs, expected):
    assert interquartile_range(runs) == pytest.approx(expected)


def test_run_conditions_record_load_at_both_ends_and_warn_when_busy(monkeypatch):
    loads = iter([[9.0, 1.0, 1.0], [1.0, 1.0, 1.0]])
    monkeypatch.setattr(bench_report, "load_average", lambda: next(loads))
    with RunConditions() as conditions:
        pass
    conditions.other_cpus = conditions.steal_cpus = 0.0  # a load of 9 left by earlier work
    assert conditions.as_dict() == {
        "load_average": [9.0, 1.0, 1.0],
        "load_average_end": [1.0, 1.0, 1.0],
        "other_cpus": 0.0,
        "steal_cpus": 0.0,
        "busy": False,
        "busy_reason": None,
    }
    assert conditions.warning() is None
    conditions.other_cpus = 0.75
    assert conditions.as_dict()["busy"] is True
    warning = conditions.warning()
    assert warning is not None and warning.startswith("WARNING: the machine was busy")
    conditions.other_cpus, conditions.steal_cpus = 0.0, 0.6  # the host took the CPUs
    assert conditions.busy_reason == "the host took 0.6 CPUs (steal time)"


def test_run_conditions_measure_other_programs_cpus():
    with RunConditions() as conditions:
        sum(i * i for i in range(300_000))  # our own work: not other programs'
    assert conditions.other_cpus is not None and conditions.other_cpus >= 0
    assert conditions.as_dict()["busy"] == (conditions.busy_reason is not None)
