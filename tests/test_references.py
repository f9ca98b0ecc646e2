"""Every reference in the prose points at something that exists: notebooks, sections, exercises.

The prose refers to another notebook as "notebook 07", to one of its sections as "notebook 07 §3"
(or "notebook 07, section 3"), to a section of its own as "§3" or "section 3", and to one of
its exercises as "exercise 2". Section K is the heading "## K. ..."; exercise K the bold
"**Exercise K". A cell is never named by its number: cells move.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from tools.references import LINK

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
GUIDE = ROOT / "docs" / "instructor-guide.md"

OTHER = re.compile(
    r"\bnotebooks? (\d\d)(?:'s)?(?:(?:,? (?:§|section )|,? sections? )(\d+))?", re.IGNORECASE
)
OWN_SECTION = re.compile(r"(?:§|\bsection )(\d+)\b", re.IGNORECASE)
OWN_EXERCISE = re.compile(r"\bexercise (\d+)\b", re.IGNORECASE)
CELL = re.compile(r"\bcells? \d+\b", re.IGNORECASE)


def prose(path: Path) -> str:
    """The notebook's markdown, less the navigation cells that tools/navigation.py writes."""
    notebook = nbformat.read(path, as_version=4)
    generated = {"course-header", "course-nav", "course-map", "course-contents"}
    return "\n".join(
        cell.source
        for cell in notebook.cells
        if cell.cell_type == "markdown" and not generated & set(cell.metadata.get("tags", []))
    )


def sections(path: Path) -> set[int]:
    """The numbers of the notebook's "## K." headings."""
    return {int(m) for m in re.findall(r"^## (\d+)\.", prose(path), flags=re.MULTILINE)}


def exercises(path: Path) -> set[int]:
    """The numbers of the notebook's exercises."""
    return {int(m) for m in re.findall(r"^\*\*Exercise (\d+)", prose(path), flags=re.MULTILINE)}


BY_NUMBER = {path.name[:2]: path for path in NOTEBOOKS}


def problems(text: str, own: Path | None) -> list[str]:
    """What the text refers to that does not exist (links to headings: tools.references)."""
    text = LINK.sub("", text)
    found = []
    for number, section in OTHER.findall(text):
        target = BY_NUMBER.get(number)
        if target is None:
            found.append(f"notebook {number}: no such notebook")
        elif section and int(section) not in sections(target):
            found.append(f"notebook {number} §{section}: {target.name} has no section {section}")
    if own is not None:
        bare = OTHER.sub("", text)  # what is left refers to this notebook
        for section in OWN_SECTION.findall(bare):
            if int(section) not in sections(own):
                found.append(f"§{section}: no section {section} here")
        for exercise in OWN_EXERCISE.findall(bare):
            if int(exercise) not in exercises(own):
                found.append(f"exercise {exercise}: no exercise {exercise} here")
        found += [f"{cell}: name a section, not a cell" for cell in CELL.findall(text)]
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_reference_in_a_notebook_exists(path):
    assert problems(prose(path), own=path) == []


def test_every_reference_in_the_instructors_guide_exists():
    assert problems(GUIDE.read_text(encoding="utf-8"), own=None) == []


def test_a_wrong_reference_is_caught(tmp_path):
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("## 1. One\n\n**Exercise 1: x.**")]
    )
    path = tmp_path / "99-x.ipynb"
    nbformat.write(notebook, path)
    assert problems("see §1 and exercise 1", own=path) == []
    assert problems("see §2, exercise 3, cell 7 and notebook 98", own=path) == [
        "notebook 98: no such notebook",
        "§2: no section 2 here",
        "exercise 3: no exercise 3 here",
        "cell 7: name a section, not a cell",
    ]
