"""Read a notebook's exercises: each self-check cell, the check it calls, and the solution shown.

The convention every notebook follows, and that tests/test_exercises.py enforces:

1. A notebook's checks live in `helpers.exercises.<slug>`, the slug being the notebook's file
   stem without its number, hyphens made underscores (`01-why-asyncio` → `why_asyncio`), so
   that renumbering a notebook moves nothing. A coding exercise's self-check is a code cell
   tagged `self-check` whose last line calls one check from that module with the notebook's
   namespace: `check_deposit_audited(globals())`, or `await check_fetch_all(globals())` for a
   coroutine. The check's docstring names the notebook and the exercise; one code cell under
   the notebook's "## Exercises" heading imports the notebook's checks.
2. The cell right after it is a markdown cell with the reference solution in a collapsed block:
   `<details><summary>Show a solution</summary>`, then one ```python fenced block, then
   `</details>`. Nothing runs it in the notebook; the tests run that very code.
3. The learner's answer goes in the code cell right before the self-check (its comment says what
   to define). A check finds the answer with `helpers.exercises.answer`, which ends the check
   while there is none: untouched, the check prints only "not attempted yet: define ..." and
   returns None (@self_check does), so the cell shows that line and no `False` (a bare False
   reads as "wrong"); right, it prints a ✓ line and returns True (stored as the cell's result;
   no trailing `;`, which nbval would not honour anyway); wrong, it raises `Mistake`, whose
   message names the mistake and the fix. Every check wears `@self_check` (helpers.exercises):
   an exception the learner's code raised, which the check let through, becomes a Mistake
   naming it and the learner's line it came through, not a bare traceback (a check that
   expects an error catches it itself).
4. A check grades the structure the exercise teaches with instruments, not one lucky outcome:
   counts, ordering, overlap, or a lower bound that contention cannot break (never a tight
   wall-clock threshold); it puts back any name it swaps in the namespace. `grade` runs an
   async check with asyncio.run, so a check must not rely on the kernel's own loop. The tools:
   - `helpers.exercises.watchdog`: every call of the learner's code runs under it, so that a
     hang is a Mistake within HANG_S, not a stuck kernel: wrap a plain call in
     `with watchdog.blocking("name(args)", advice=...):` and await a coroutine with
     `await watchdog.finishes(name(args), "name(args)", function=name)`. (02's
     check_run_elsewhere does; the other checks are adopting it.)
   - `helpers.exercises.bypass`: `tripwire(module, "attr", advice)` around the call and
     `refuse_references(function, ["module.attr"], advice)`, where the exercise asks the
     learner to write what a library function or course helper already does.
   - `helpers.exercises.predictions`: for "predict, then measure", `prediction(namespace,
     "PREDICTED_S")` before measuring (with none, not attempted: no answer shown), then
     `compare(predicted, measured, tolerance)` before printing the answer. Never a Mistake.
5. What tests a notebook's checks is in `tests/exercise_answers/`; the tests themselves are
   written once, in tests/test_exercises.py.
   - `<slug>.py` defines `notebook_namespace()`: a fresh dict with what the notebook defines
     before its exercises (imports and the names the exercises use, `named(asyncio, fetch,
     np=numpy)`; an earlier exercise's answer, if a later one builds on it:
     `exec(solution(slug, check), namespace)`), kept faithful to the notebook.
   - `<slug>.toml` holds the wrong answers, as data (`answer_data` reads it): a table
     `[[wrong.check_name]]` per mistake learners really make, with `mistake` (its name),
     `kind` (one of KINDS) and `says` (a regular expression the `Mistake` message must match),
     then either `code`, the whole wrong answer, or one or more `[[wrong.check_name.change]]`
     with `old` and `new`: the shown solution with `old` replaced by `new`, resolved when the
     test runs, so that a solution changed under it fails loudly. Code and regular expressions
     go in literal strings (`'...'`, or `'''` for several lines: its first newline is dropped).
   - at least MIN_WRONG_ANSWERS (tests/test_exercises.py) per check, and every kind but
     "other" covered, or listed with the reason it does not apply: `[not_applicable.check_name]`
     then `hang = "nothing in it waits"`;
   - optionally `[settings]`: constants of the check's module set for the wrong answers, whose
     outcome is known (shorter waits); and `hang_s`, the watchdog's patience for the wrong
     answers where the default is too short.
   Tests of a check beyond those three (it puts back what it swaps; a mistake is caught every
   time) go in tests/test_exercise_checks.py, under the notebook's heading.
"""

from __future__ import annotations

import ast
import asyncio
import functools
import importlib
import inspect
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SELF_CHECK_TAG = "self-check"
SOLUTION_SUMMARY = "<summary>Show a solution</summary>"
_CALL = re.compile(r"^(?:await\s+)?(check_\w+)\(globals\(\)\)$")
_FENCE = re.compile(r"```python\n(.*?)```", re.DOTALL)
KINDS = {
    "luck": "right by luck of the data",
    "bypass": "calls the library function or course helper that is the answer, not writing it",
    "structure": "same timing or result, wrong structure",
    "half": "half the contract: only the normal, the error or the cancel path",
    "hang": "an answer that hangs",
    "other": "another mistake learners make",
}


# a notebook's [not_applicable] tables: for each check, the kinds no wrong answer covers, and why
NotApplicable = dict[str, dict[str, str]]


@dataclass(frozen=True)
class Exercise:
    """One coding exercise: its notebook, the check its self-check cell calls, and its solution."""

    notebook: str
    cell: int
    check: str
    solution: str | None

    def __str__(self) -> str:
        return f"{self.notebook}:{self.check}"


@dataclass(frozen=True)
class WrongAnswer:
    """A known-wrong answer: its code, a regular expression its Mistake matches, and its kind."""

    code: str | None  # None: the solution with `changes` made
    says: str
    kind: str
    changes: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind {self.kind!r} is not one of {sorted(KINDS)}")
        if (self.code is None) == (not self.changes):
            raise ValueError("give either code or changes on the solution, not both")

    @classmethod
    def from_table(cls, table: dict[str, Any]) -> WrongAnswer:
        """The wrong answer a `[[wrong.check_name]]` table describes."""
        unknown = set(table) - {"mistake", "kind", "says", "code", "change"}
        if unknown:
            raise ValueError(f"{table.get('mistake')!r}: unknown keys {sorted(unknown)}")
        changes = tuple((change["old"], change["new"]) for change in table.get("change", []))
        return cls(table.get("code"), table["says"], table["kind"], changes)

    def source(self, solution: str | None) -> str:
        """The wrong answer's code, made from the solution if it is a change of it."""
        if self.code is not None:
            return self.code
        if solution is None:
            raise ValueError("a wrong answer made from the solution needs a shown solution")
        code = solution
        for old, new in self.changes:
            if old not in code:
                raise ValueError(f"{old!r} is not in the solution: it has changed")
            code = code.replace(old, new)
        return code


@dataclass(frozen=True)
class AnswerData:
    """What tests a notebook's checks: its set-up, the wrong answers, and what they need."""

    notebook_namespace: Callable[[], dict[str, Any]]
    wrong_answers: dict[str, dict[str, WrongAnswer]]
    not_applicable: NotApplicable
    settings: dict[str, Any]
    hang_s: float | None


@functools.cache
def answer_data(name: str) -> AnswerData:
    """The notebook `name`'s (a slug) tests/exercise_answers/<name>.py and <name>.toml."""
    table = tomllib.loads((ROOT / "tests" / "exercise_answers" / f"{name}.toml").read_text())
    unknown = set(table) - {"wrong", "not_applicable", "settings", "hang_s"}
    if unknown:
        raise ValueError(f"{name}.toml: unknown keys {sorted(unknown)}")
    wrong = {}
    for check, entries in table.get("wrong", {}).items():
        wrong[check] = {entry["mistake"]: WrongAnswer.from_table(entry) for entry in entries}
        if len(wrong[check]) < len(entries):
            raise ValueError(f"{name}.toml: two wrong answers to {check} have the same name")
    module = importlib.import_module(f"exercise_answers.{name}")
    return AnswerData(
        module.notebook_namespace,
        wrong,
        table.get("not_applicable", {}),
        table.get("settings", {}),
        table.get("hang_s"),
    )


def slug(notebook: str | Path) -> str:
    """The notebook's name without its number: `01-why-asyncio` → `why_asyncio`."""
    return Path(notebook).stem.split("-", 1)[1].replace("-", "_")


def notebook_path(name: str) -> Path:
    """The notebook whose slug is `name`."""
    (path,) = [p for p in ROOT.glob("notebooks/[0-9][0-9]-*.ipynb") if slug(p) == name]
    return path


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


def solution(name: str, check: str) -> str:
    """The solution shown under the self-check that calls `check`, in the notebook `name`."""
    (code,) = [e.solution for e in exercises(notebook_path(name)) if e.check == check]
    if code is None:
        raise ValueError(f"{name} shows no solution under {check}")
    return code


def named(*things: Any, **others: Any) -> dict[str, Any]:
    """A namespace: modules, classes and functions under their own names, then `others`."""
    return {thing.__name__.rpartition(".")[2]: thing for thing in things} | others


def defined_names(code: str) -> set[str]:
    """The names a piece of code defines at its top level (functions, classes, assignments)."""
    names = set()
    for node in ast.parse(code).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
    return names


def check_module(notebook: str | Path) -> Any:
    """The module of the notebook's checks: helpers.exercises.<slug>."""
    return importlib.import_module(f"helpers.exercises.{slug(notebook)}")


def check_function(notebook: str | Path, check: str) -> Callable[..., Any]:
    """The check `check` of the notebook."""
    return getattr(check_module(notebook), check)


def grade(
    notebook: str | Path, check: str, code: str | None, namespace: dict[str, Any]
) -> bool | None:
    """Run `code` (an answer, or None for none) in namespace, then the check, as the cell would."""
    if code is not None:
        exec(compile(code, f"<answer to {check}>", "exec"), namespace)
    function = check_function(notebook, check)
    if inspect.iscoroutinefunction(function):
        return asyncio.run(function(namespace))
    return function(namespace)
