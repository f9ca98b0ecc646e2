"""Every coding exercise in notebooks 01-10 has a solution block, a tested check, two wrong answers.

The catalogue follows the convention written at the top of tests/solutions.py: it finds every cell
tagged `self-check`, and for each one asserts that the solution shown after it is there, that
tests/test_exercises_nbNN.py runs the check on that solution, and that the same module names at
least two wrong answers the check must catch. Those tests then run in that module.
"""

import importlib
from pathlib import Path

import pytest
from solutions import Exercise, WrongAnswer, check_function, exercises

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(p for p in ROOT.glob("notebooks/[0-9][0-9]-*.ipynb") if p.name[:2] != "00")
CATALOGUE = [exercise for path in NOTEBOOKS for exercise in exercises(path)]
MIN_WRONG_ANSWERS = 2


def module_testing(exercise: Exercise):
    """The module that tests the checks of the exercise's notebook."""
    name = f"test_exercises_nb{exercise.notebook[:2]}"
    if not (ROOT / "tests" / f"{name}.py").is_file():
        pytest.fail(f"{exercise}: no tests/{name}.py tests this notebook's checks")
    return importlib.import_module(name)


def test_the_catalogue_is_not_empty():
    assert CATALOGUE, "no cell tagged self-check in notebooks 01-10"


@pytest.mark.parametrize("exercise", CATALOGUE, ids=str)
def test_solution_is_shown_after_the_self_check(exercise):
    assert exercise.solution is not None, (
        f"{exercise}: the cell after the self-check must be markdown with one ```python block "
        "in <details><summary>Show a solution</summary>"
    )
    compile(exercise.solution, str(exercise), "exec")
    assert callable(check_function(exercise.notebook, exercise.check))


@pytest.mark.parametrize("exercise", CATALOGUE, ids=str)
def test_reference_solution_is_tested(exercise):
    module = module_testing(exercise)
    assert Path(module.NOTEBOOK).resolve() == ROOT / "notebooks" / f"{exercise.notebook}.ipynb"
    assert callable(module.notebook_namespace)
    assert callable(module.test_reference_solution_passes), "the reference solution is not run"


@pytest.mark.parametrize("exercise", CATALOGUE, ids=str)
def test_named_wrong_answers_are_tested(exercise):
    module = module_testing(exercise)
    named = module.WRONG_ANSWERS.get(exercise.check, {})
    assert len(named) >= MIN_WRONG_ANSWERS, (
        f"{exercise}: {len(named)} named wrong answers, at least {MIN_WRONG_ANSWERS} needed"
    )
    assert all(isinstance(wrong, WrongAnswer) and wrong.says for wrong in named.values())
    assert callable(module.test_wrong_answer_is_caught), "the wrong answers are not run"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_no_wrong_answers_for_checks_that_no_cell_calls(path):
    checks = {exercise.check for exercise in exercises(path)}
    if not checks:
        pytest.skip("no self-check cells in this notebook yet")
    registry = module_testing(exercises(path)[0]).WRONG_ANSWERS
    assert set(registry) <= checks, f"stale entries: {sorted(set(registry) - checks)}"
