import pytest

from helpers.bench import report as bench_report
from helpers.bench.report import RunConditions, busy_reason, interquartile_range


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


def test_busy_reason_names_each_sign():
    assert busy_reason([0.5, 0.5, 0.5], 0.1, 2) is None
    assert busy_reason(None, None, 2) is None
    others = busy_reason([0.5, 0.5, 0.5], 1.25, 2)
    assert others == "other programs kept 1.25 CPUs busy on average (busy from 0.5)"
    load = busy_reason([3.5, 1.0, 1.0], None, 2)
    assert load == "1-minute load average 3.5 at the start, above 2 CPUs"
    both = busy_reason([3.5, 1.0, 1.0], 0.5, 2)
    assert both is not None and "; 1-minute load average" in both


def test_run_conditions_record_load_at_both_ends_and_warn_when_busy(monkeypatch):
    loads = iter([[9.0, 1.0, 1.0], [1.0, 1.0, 1.0]])
    monkeypatch.setattr(bench_report, "load_average", lambda: next(loads))
    with RunConditions() as conditions:
        pass
    conditions.cpus, conditions.other_cpus = 2, 0.0
    assert conditions.as_dict() == {
        "load_average": [9.0, 1.0, 1.0],
        "load_average_end": [1.0, 1.0, 1.0],
        "other_cpus": 0.0,
        "busy": True,
        "busy_reason": "1-minute load average 9.0 at the start, above 2 CPUs",
    }
    warning = conditions.warning()
    assert warning is not None and warning.startswith("WARNING: the machine was busy")


def test_run_conditions_measure_other_programs_cpus():
    with RunConditions() as conditions:
        sum(i * i for i in range(300_000))  # our own work: not other programs'
    assert conditions.other_cpus is not None and conditions.other_cpus >= 0
    assert conditions.as_dict()["busy"] == (conditions.busy_reason is not None)
    quiet = RunConditions()
    quiet.load_average, quiet.cpus = [0.1, 0.1, 0.1], 2
    assert quiet.warning() is None
