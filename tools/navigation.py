"""Write each notebook's header and footer, and the index's course map, from notebook metadata.

Each notebook keeps its facts in `metadata.course`: title, summary, goals, prerequisites, and
run_seconds (measured by `make notebooks`). This script renders them into cells tagged
`course-header` (first cell), `course-nav` (last cell) and, in 00-index, `course-map`, and the
index's contents (tag `course-contents`): every notebook's sections, read from its `## `
headings. Rerunning it replaces those cells instead of adding new ones.

The study time is not kept by hand: `study_minutes` models it from the notebook itself (see
CONTRIBUTING.md, "One sitting"), and `make navigation` prints it for every notebook.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

from tools.references import resolve

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS_DIR = ROOT / "notebooks"
GUIDE = ROOT / "docs" / "instructor-guide.md"
INDEX = "00-index.ipynb"
TIMES_START, TIMES_END = "<!-- running-times:start -->", "<!-- running-times:end -->"
NOT_LISTED = ("Setup", "Exercises", "Summary", "Clean up")  # sections every notebook has
GENERATED = ("course-header", "course-nav", "course-map", "course-contents")
# The study-time model: a reader's pace, and the time an exercise takes (CONTRIBUTING.md).
WORDS_PER_MINUTE = 180
CODE_LINES_PER_MINUTE = 20
CODING_EXERCISE_MINUTES = 8
THINKING_EXERCISE_MINUTES = 4
SITTING_MINUTES = 60
EXERCISE = re.compile(r"^\*\*Exercise \d+", re.MULTILINE)
SOLUTION = re.compile(r"<details>.*?</details>", re.DOTALL)


def course(notebook: nbformat.NotebookNode, path: Path) -> dict:
    """The notebook's course metadata, with a clear error when a field is missing."""
    facts = notebook.metadata.get("course", {})
    for key in ("title", "summary", "goals", "prerequisites"):
        if key not in facts:
            raise KeyError(f"{path.name}: metadata.course.{key} is missing")
    return facts


def study_parts(notebook: nbformat.NotebookNode) -> dict[str, float]:
    """What the study-time model counts: words of prose, lines of code, exercises, run time.

    Prose is every markdown cell but the generated ones and the collapsed solutions (an
    exercise's minutes include reading its solution); code is every non-blank line of a code
    cell; a coding exercise is a self-check cell, a thinking exercise an "**Exercise N" with none.
    """
    words = lines = exercises = coding = 0
    for cell in notebook.cells:
        if set(GENERATED) & set(cell.metadata.get("tags", [])):
            continue
        if cell.cell_type == "markdown":
            words += len(SOLUTION.sub("", cell.source).split())
            exercises += len(EXERCISE.findall(cell.source))
        elif cell.cell_type == "code":
            lines += sum(1 for line in cell.source.splitlines() if line.strip())
            coding += "self-check" in cell.metadata.get("tags", [])
    run_seconds = notebook.metadata.get("course", {}).get("run_seconds") or 0
    return {
        "words": words,
        "code_lines": lines,
        "coding_exercises": coding,
        "thinking_exercises": max(0, exercises - coding),
        "run_seconds": run_seconds,
    }


def study_minutes(notebook: nbformat.NotebookNode) -> int:
    """Minutes of study the model gives the notebook, rounded to 5: its stated study time."""
    parts = study_parts(notebook)
    minutes = (
        parts["words"] / WORDS_PER_MINUTE
        + parts["code_lines"] / CODE_LINES_PER_MINUTE
        + parts["coding_exercises"] * CODING_EXERCISE_MINUTES
        + parts["thinking_exercises"] * THINKING_EXERCISE_MINUTES
        + parts["run_seconds"] / 60
    )
    return max(5, 5 * round(minutes / 5))


def number(path: Path) -> str:
    """The two-digit number a notebook's file name starts with."""
    return path.name[:2]


def running_time(facts: dict) -> str:
    """How long the notebook takes to run, as measured by `make notebooks`."""
    seconds = facts.get("run_seconds")
    if seconds is None:
        return "not measured yet (`make notebooks` measures it)"
    return f"about {max(5, 5 * round(seconds / 5))} s"


def header(path: Path, facts: dict) -> str:
    """Markdown for the first cell: title, goals, prerequisites and running time."""
    goals = "\n".join(f"- {goal}" for goal in facts["goals"])
    prerequisites = "; ".join(facts["prerequisites"]) or "none"
    return (
        f"# {number(path)} · {facts['title']}\n\n"
        f"{facts['summary']}\n\n"
        f"**You will learn**\n\n{goals}\n\n"
        f"**Prerequisites:** {prerequisites}\n\n"
        f"**Running time:** Run All: {running_time(facts)} on a 2-core machine; "
        f"study: about {facts['study']} minutes."
    )


def link(path: Path, facts: dict) -> str:
    """A Markdown link to a notebook, labelled with its number and title."""
    return f"[{number(path)} · {facts['title']}]({path.name})"


def footer(index: int, paths: list[Path], facts: list[dict]) -> str:
    """Markdown for the last cell: previous, index and next links."""
    parts = []
    if index > 0:
        parts.append(f"← Previous: {link(paths[index - 1], facts[index - 1])}")
    parts.append(f"[Course index]({INDEX})")
    if index + 1 < len(paths):
        parts.append(f"Next: {link(paths[index + 1], facts[index + 1])} →")
    return "---\n\n" + " | ".join(parts)


def course_map(paths: list[Path], facts: list[dict]) -> str:
    """Markdown table of every notebook: what it teaches, its track, how long it takes."""
    rows = [
        "| # | Notebook | What you will be able to do | Track | Run All | Study |",
        "|---|---|---|---|---|---|",
    ]
    for path, f in zip(paths, facts, strict=True):
        rows.append(
            f"| {number(path)} | {link(path, f)} | {f['summary']} | {f.get('track', '')} "
            f"| {running_time(f)} | {f['study']} min |"
        )
    total = sum(f["study"] for f in facts)
    return (
        "## Course map\n\n"
        + "\n".join(rows)
        + f"\n\nStudy time in all: about {total} minutes.\n\n"
        + provenance(paths, facts)
    )


def sections(notebook: nbformat.NotebookNode) -> list[str]:
    """The notebook's `## ` headings, in order, less the ones every notebook has."""
    found = []
    for cell in notebook.cells:
        if cell.cell_type != "markdown" or set(GENERATED) & set(cell.metadata.get("tags", [])):
            continue
        for line in cell.source.splitlines():
            if line.startswith("## ") and not line[3:].startswith(NOT_LISTED):
                found.append(line[3:].strip())
    return found


def contents(paths: list[Path], notebooks: list[nbformat.NotebookNode], facts: list[dict]) -> str:
    """Markdown list of every notebook's sections, for the index."""
    parts = [
        "## Contents\n\n<details><summary>Every section of every notebook, as its headings read "
        "now</summary>"
    ]
    for path, notebook, f in zip(paths, notebooks, facts, strict=True):
        listed = sections(notebook)
        if path.name != INDEX and listed:
            items = [re.sub(r"^(\d+)\. ", r"\1\\. ", s) for s in listed]  # not a nested list
            parts.append(f"**{link(path, f)}**\n\n" + "\n".join(f"- {s}" for s in items))
    return "\n\n".join(parts) + "\n\n</details>"


def provenance(paths: list[Path], facts: list[dict]) -> str:
    """Which Python and machine produced the stored outputs, as recorded by `make notebooks`."""
    made: dict[str, list[str]] = {}
    for path, f in zip(paths, facts, strict=True):
        made.setdefault(f.get("executed_with", "not recorded"), []).append(number(path))
    if len(made) == 1:
        return f"The stored outputs were made with {next(iter(made))}."
    parts = [f"{', '.join(numbers)}: {where}" for where, numbers in made.items()]
    return "The stored outputs were made with " + "; ".join(parts) + "."


def times_table(paths: list[Path], facts: list[dict]) -> str:
    """Markdown table of each notebook's measured Run All time, for the instructor's guide."""
    rows = ["| # | Notebook | Run All, measured | Study |", "|---|---|---|---|"]
    for path, f in zip(paths, facts, strict=True):
        link = f"[{number(path)} · {f['title']}](../notebooks/{path.name})"
        rows.append(f"| {number(path)} | {link} | {running_time(f)} | {f['study']} min |")
    return "\n".join(rows)


def write_times(guide: Path, table: str) -> None:
    """Replace the running-times block of the guide with table."""
    text = guide.read_text(encoding="utf-8")
    start, end = text.find(TIMES_START), text.find(TIMES_END)
    if start < 0 or end < start:
        raise ValueError(f"{guide}: missing {TIMES_START} ... {TIMES_END} markers")
    text = text[: start + len(TIMES_START)] + "\n" + table + "\n" + text[end:]
    guide.write_text(text, encoding="utf-8")


def put(notebook: nbformat.NotebookNode, tag: str, source: str, position: int) -> None:
    """Replace the markdown cell carrying tag, or insert one at position."""
    for cell in notebook.cells:
        if tag in cell.metadata.get("tags", []):
            cell.source = source
            return
    cell = nbformat.v4.new_markdown_cell(source, metadata={"tags": [tag]})
    index = position if position >= 0 else len(notebook.cells) + 1 + position
    notebook.cells.insert(index, cell)


def main(directory: Path = NOTEBOOKS_DIR, guide: Path | None = GUIDE) -> None:
    """Rewrite navigation in every numbered notebook of directory, and the guide's times."""
    paths = sorted(directory.glob("[0-9][0-9]-*.ipynb"))
    notebooks = [nbformat.read(path, as_version=4) for path in paths]
    facts = [course(nb, path) for nb, path in zip(notebooks, paths, strict=True)]
    for f in facts:
        f.pop("study_minutes", None)  # kept by hand once; the model states it now
    studies = [study_minutes(notebook) for notebook in notebooks]
    facts = [{**f, "study": minutes} for f, minutes in zip(facts, studies, strict=True)]
    for i, (path, notebook) in enumerate(zip(paths, notebooks, strict=True)):
        put(notebook, "course-header", header(path, facts[i]), 0)
        notebook.metadata["course"] = {k: v for k, v in facts[i].items() if k != "study"}
        put(notebook, "course-nav", footer(i, paths, facts), -1)
        if path.name == INDEX:
            put(notebook, "course-map", course_map(paths, facts), 1)
            put(notebook, "course-contents", contents(paths, notebooks, facts), 2)
        nbformat.write(notebook, path)
    for path in paths:  # links to sections and exercises, once every notebook is written
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "markdown":
                cell.source = resolve(cell.source, paths)
        nbformat.write(notebook, path)
    if guide is not None:
        write_times(guide, times_table(paths, facts))
        guide.write_text(resolve(guide.read_text(encoding="utf-8"), paths), encoding="utf-8")
    print(f"navigation written in {len(paths)} notebooks; study time by the model:")
    for path, notebook, minutes in zip(paths, notebooks, studies, strict=True):
        parts = study_parts(notebook)
        flag = "  OVER ONE SITTING" if minutes > SITTING_MINUTES else ""
        print(
            f"  {path.stem:<36} {minutes:>3} min: {parts['words']:>5} words, "
            f"{parts['code_lines']:>4} code lines, {parts['coding_exercises']} coding + "
            f"{parts['thinking_exercises']} thinking exercises, run {parts['run_seconds']} s{flag}"
        )


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]), guide=None)
    else:
        main()
