"""Read a notebook's exercises: each self-check cell, the check it calls, and the solution shown.

The convention every notebook 01-09 follows, and that tests/test_exercises_catalogue.py enforces:

1. A coding exercise's self-check is a code cell tagged `self-check` whose last line calls one
   check from `helpers.exercises.nbNN` (NN: the notebook's number) with the notebook's namespace:
   `check_deposit_audited(globals())`, or `await check_fetch_all(globals())` for a coroutine
   (no trailing `;`: nbval runs cells outside IPython's history, where `;` does not hide the
   check's True/False, so the stored output keeps it). The check's docstring names the
   notebook and the exercise; one code cell under the notebook's "## Exercises" heading
   imports the notebook's checks.
2. The cell right after it is a markdown cell with the reference solution in a collapsed block:
   `<details><summary>Show a solution</summary>`, then one ```python fenced block, then
   `</details>`. Nothing runs it in the notebook; the tests run that very code.
3. `tests/test_exercises_nbNN.py` holds the tests of notebook NN's checks. It defines:
   - `NOTEBOOK`: the notebook's path;
   - `notebook_namespace()`: a fresh dict with what the notebook defines before its exercises
     (imports and the names the exercises use), kept faithful to the notebook;
   - `WRONG_ANSWERS = {"check_name": {"the mistake, named": WrongAnswer(code, says), ...}}`,
     at least two per check: mistakes learners really make; `says` is a regular expression the
     `Mistake` message must match, so the message names the mistake;
   - `test_reference_solution_passes`, parametrised over `exercises(NOTEBOOK)`, and
     `test_wrong_answer_is_caught`, parametrised over `wrong_answers(WRONG_ANSWERS)`; both call
     `grade` (see tests/test_exercises_nb01.py for the pattern to copy).
4. The learner's answer goes in the code cell right before the self-check (its comment says what
   to define). A check finds the answer with `helpers.exercises.answer`, grades by counts,
   ordering, overlap or a lower bound that contention cannot break (never a tight wall-clock
   threshold), and puts back any name it swaps in the namespace. `grade` runs an async check
   with asyncio.run, so a check must not rely on the kernel's own loop.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import nbformat

SELF_CHECK_TAG = "self-check"
SOLUTION_SUMMARY = "<summary>Show a solution</summary>"
_CALL = re.compile(r"^(?:await\s+)?(check_\w+)\(globals\(\)\)$")
_FENCE = re.compile(r"```python\n(.*?)```", re.DOTALL)


@dataclass(frozen=True)
class Exercise:
    """One coding exercise: its notebook, the check its self-check cell calls, and its solution."""

    notebook: str
    cell: int
    check: str
    solution: str | None

    def __str__(self) -> str:
        return f"{self.notebook}:{self.check}"


class WrongAnswer(NamedTuple):
    """A known-wrong answer: its code, and a regular expression its Mistake message matches."""

    code: str
    says: str


def _check_name(source: str, where: str) -> str:
    lines = [line.strip() for line in source.splitlines() if line.strip()]
    code = [line for line in lines if not line.startswith("#")]
    match = _CALL.match(code[-1]) if code else None
    if match is None:
        raise ValueError(f"{where}: a self-check cell must end with `check_name(globals())`")
    return match.group(1)


def _solution(cell: nbformat.NotebookNode | None) -> str | None:
    if cell is None or cell.cell_type != "markdown" or SOLUTION_SUMMARY not in cell.source:
        return None
    blocks = _FENCE.findall(cell.source.split(SOLUTION_SUMMARY, 1)[1])
    return blocks[0] if len(blocks) == 1 and blocks[0].strip() else None


def exercises(path: str | Path) -> list[Exercise]:
    """Every self-check cell of a notebook, with its check's name and the solution after it."""
    path = Path(path)
    notebook = nbformat.read(path, as_version=4)
    found = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code" or SELF_CHECK_TAG not in cell.metadata.get("tags", []):
            continue
        after = notebook.cells[index + 1] if index + 1 < len(notebook.cells) else None
        check = _check_name(cell.source, f"{path.name} cell {index}")
        found.append(Exercise(path.stem, index, check, _solution(after)))
    return found


def check_function(notebook: str | Path, check: str) -> Callable[..., Any]:
    """The check `check` from helpers.exercises.nbNN, NN being the notebook's number."""
    module = importlib.import_module(f"helpers.exercises.nb{Path(notebook).name[:2]}")
    return getattr(module, check)


def grade(notebook: str | Path, check: str, code: str | None, namespace: dict[str, Any]) -> bool:
    """Run `code` (an answer, or None for none) in namespace, then the check, as the cell would."""
    if code is not None:
        exec(compile(code, f"<answer to {check}>", "exec"), namespace)
    function = check_function(notebook, check)
    if inspect.iscoroutinefunction(function):
        return asyncio.run(function(namespace))
    return function(namespace)


def wrong_answers(registry: dict[str, dict[str, WrongAnswer]]) -> list[tuple[str, str]]:
    """(check, mistake) pairs of a WRONG_ANSWERS registry, to parametrise a test with."""
    return [(check, mistake) for check, named in registry.items() for mistake in named]
