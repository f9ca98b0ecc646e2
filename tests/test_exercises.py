"""Every exercise's check passes the solution shown, catches its named wrong answers, stays quiet.

The tests are written once and run over the catalogue: every cell tagged `self-check` in the
notebooks (tests/solutions.py reads them), with the data in `tests/exercise_answers/<slug>.py`
and `<slug>.toml` (the convention is at the top of tests/solutions.py).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from solutions import (
    KINDS,
    ROOT,
    AnswerData,
    Exercise,
    WrongAnswer,
    answer_data,
    check_function,
    check_module,
    defined_names,
    exercises,
    grade,
    slug,
)

import helpers.exercises
from helpers.exercises import NOT_ATTEMPTED, Mistake, watchdog

NOTEBOOKS = sorted(p for p in ROOT.glob("notebooks/[0-9][0-9]-*.ipynb") if p.name[:2] != "00")
CATALOGUE = [exercise for path in NOTEBOOKS for exercise in exercises(path)]
MIN_WRONG_ANSWERS = 4
REQUIRED_KINDS = [kind for kind in KINDS if kind != "other"]
HANG_S = 2.0  # the watchdog's patience for the wrong answers, which are known to hang
# (a notebook's data may set its own hang_s, for checks whose answers take longer)


def answers(notebook: str | Path) -> AnswerData:
    """What tests the notebook's checks: tests/exercise_answers/<slug>.py and <slug>.toml."""
    return answer_data(slug(notebook))


def wrong_answers_of(exercise: Exercise) -> dict[str, WrongAnswer]:
    """The named wrong answers to the exercise's check."""
    return answers(exercise.notebook).wrong_answers.get(exercise.check, {})


WRONG = [
    pytest.param(exercise, mistake, id=f"{exercise}:{mistake}")
    for exercise in CATALOGUE
    for mistake in wrong_answers_of(exercise)
]


def assert_put_back(before: dict[str, Any], namespace: dict[str, Any], code: str) -> None:
    """The check put back every name of the notebook's that it swapped while it ran."""
    swapped = sorted(
        name
        for name, value in before.items()
        if name not in defined_names(code) and namespace.get(name) is not value
    )
    assert swapped == [], f"the check did not put back {swapped}"


def test_the_catalogue_holds_every_notebooks_exercises():
    assert CATALOGUE, "no cell tagged self-check in the notebooks"
    assert all(callable(check_function(e.notebook, e.check)) for e in CATALOGUE)


@pytest.mark.parametrize("exercise", CATALOGUE, ids=str)
def test_reference_solution_passes(exercise, capsys):
    assert exercise.solution is not None, (
        f"{exercise}: the cell after the self-check must be markdown with one ```python block "
        "in <details><summary>Show a solution</summary>"
    )
    namespace = answers(exercise.notebook).notebook_namespace()
    before = dict(namespace)
    assert grade(exercise.notebook, exercise.check, exercise.solution, namespace) is True
    lines = capsys.readouterr().out.splitlines()
    assert lines and lines[-1].startswith("✓"), lines
    assert_put_back(before, namespace, exercise.solution)


@pytest.mark.parametrize(("exercise", "mistake"), WRONG)
def test_wrong_answer_is_caught(exercise, mistake, monkeypatch):
    data = answers(exercise.notebook)
    for name, value in data.settings.items():
        monkeypatch.setattr(check_module(exercise.notebook), name, value)
    monkeypatch.setattr(watchdog, "HANG_S", data.hang_s or HANG_S)
    wrong = data.wrong_answers[exercise.check][mistake]
    code = wrong.source(exercise.solution)
    namespace = data.notebook_namespace()
    before = dict(namespace)
    with pytest.raises(Mistake, match=wrong.says):
        grade(exercise.notebook, exercise.check, code, namespace)
    assert_put_back(before, namespace, code)


@pytest.mark.parametrize("exercise", CATALOGUE, ids=str)
def test_the_check_names_an_error_the_answer_raised(exercise):
    code = check_function(exercise.notebook, exercise.check).__code__
    assert code.co_filename == helpers.exercises.__file__, f"{exercise.check}: no @self_check"


@pytest.mark.parametrize("exercise", CATALOGUE, ids=str)
def test_untouched_exercise_is_not_attempted_and_silent(exercise, capsys):
    namespace = answers(exercise.notebook).notebook_namespace()
    for name in defined_names(exercise.solution or ""):
        namespace.pop(name, None)  # an earlier step's answer may stand in for the learner's
    assert grade(exercise.notebook, exercise.check, None, namespace) is None
    out = capsys.readouterr().out
    assert re.fullmatch(f"{NOT_ATTEMPTED}: [^\n]+, then run this check again\n", out), out


@pytest.mark.parametrize("exercise", CATALOGUE, ids=str)
def test_wrong_answers_cover_the_kinds(exercise):
    named = wrong_answers_of(exercise)
    reasons = answers(exercise.notebook).not_applicable.get(exercise.check, {})
    covered = {wrong.kind for wrong in named.values()}
    assert set(reasons) <= set(REQUIRED_KINDS), f"{sorted(set(reasons) - set(REQUIRED_KINDS))}"
    assert all(reason.strip() for reason in reasons.values()), "a kind listed with no reason"
    assert not covered & set(reasons), f"covered, yet not applicable: {covered & set(reasons)}"
    short = []
    if len(named) < MIN_WRONG_ANSWERS:
        short.append(f"{len(named)} named wrong answers, at least {MIN_WRONG_ANSWERS} needed")
    missing = [kind for kind in REQUIRED_KINDS if kind not in covered and kind not in reasons]
    if missing:
        short.append(f"kinds neither covered nor in [not_applicable] with a reason: {missing}")
    assert not short, f"{exercise}: {'; '.join(short)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_the_data_names_only_checks_that_a_cell_calls(path):
    checks = {exercise.check for exercise in exercises(path)}
    if not checks:
        pytest.skip("no self-check cells in this notebook yet")
    data = answers(path)
    for table, named in (("wrong", data.wrong_answers), ("not_applicable", data.not_applicable)):
        stale = set(named) - checks
        assert not stale, f"[{table}] names checks that no cell calls: {sorted(stale)}"
    assert callable(data.notebook_namespace)


def test_a_wrong_answer_with_a_misspelt_key_is_refused():
    with pytest.raises(ValueError, match=r"unknown keys \['cod'\]"):
        WrongAnswer.from_table({"mistake": "m", "kind": "luck", "says": "s", "cod": "x = 1"})


def test_a_change_the_solution_no_longer_holds_fails_loudly():
    change = {"old": "a = 1", "new": "a = 2"}
    wrong = WrongAnswer.from_table(
        {"mistake": "m", "kind": "luck", "says": "s", "change": [change]}
    )
    assert wrong.source("a = 1\nb = 2\n") == "a = 2\nb = 2\n"
    with pytest.raises(ValueError, match="is not in the solution: it has changed"):
        wrong.source("b = 2\n")
