"""Navigation is generated from notebook metadata and can be rewritten without duplicating cells."""

from pathlib import Path

import nbformat
import pytest

from tools.navigation import SITTING_MINUTES, main, study_minutes, study_parts
from tools.references import resolve

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(ROOT.glob("notebooks/[0-9][0-9]-*.ipynb"))


def make(directory, name, title, run_seconds=None):
    facts = {
        "title": title,
        "summary": f"all about {title}",
        "goals": ["one goal"],
        "prerequisites": [],
    }
    if run_seconds is not None:
        facts["run_seconds"] = run_seconds
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    notebook.metadata["course"] = facts
    nbformat.write(notebook, directory / name)


def tagged(path, tag):
    cells = nbformat.read(path, as_version=4).cells
    return [c.source for c in cells if tag in c.metadata.get("tags", [])]


def test_headers_footers_and_map_written_once(tmp_path):
    make(tmp_path, "00-index.ipynb", "Index", run_seconds=12)
    make(tmp_path, "01-first.ipynb", "First", run_seconds=41)
    make(tmp_path, "02-second.ipynb", "Second")
    guide = tmp_path / "guide.md"
    guide.write_text(
        "# Guide\n<!-- running-times:start -->\nold\n<!-- running-times:end -->\nend\n"
    )
    main(tmp_path, guide)
    main(tmp_path, guide)  # rerunning must not add cells
    first = nbformat.read(tmp_path / "01-first.ipynb", as_version=4)
    assert len(first.cells) == 3
    assert first.cells[0].source.startswith("# 01 · First")
    assert "about 40 s" in first.cells[0].source
    (footer,) = tagged(tmp_path / "01-first.ipynb", "course-nav")
    assert "[00 · Index](00-index.ipynb)" in footer
    assert "[02 · Second](02-second.ipynb) →" in footer
    (last_footer,) = tagged(tmp_path / "02-second.ipynb", "course-nav")
    assert "Next" not in last_footer
    assert "not measured yet" in tagged(tmp_path / "02-second.ipynb", "course-header")[0]
    (course_map,) = tagged(tmp_path / "00-index.ipynb", "course-map")
    assert course_map.count("\n| 0") == 3
    assert "about 15 minutes" in course_map  # three notebooks of 5 minutes, the least stated
    text = guide.read_text()
    assert "old" not in text
    assert "| 01 | [01 · First](../notebooks/01-first.ipynb) | about 40 s | 5 min |" in text
    assert text.endswith("<!-- running-times:end -->\nend\n")


def test_missing_metadata_is_named(tmp_path):
    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "01-bare.ipynb")
    with pytest.raises(KeyError, match=r"01-bare.ipynb: metadata.course.title is missing"):
        main(tmp_path, guide=None)


def test_the_map_says_which_python_and_machine_made_the_outputs(tmp_path):
    for name in ("00-index.ipynb", "01-first.ipynb"):
        make(tmp_path, name, name[3:-6])
        notebook = nbformat.read(tmp_path / name, as_version=4)
        notebook.metadata["course"]["executed_with"] = "Python 3.13.0, Linux x86_64, 2 CPUs"
        nbformat.write(notebook, tmp_path / name)
    main(tmp_path, None)
    (course_map,) = tagged(tmp_path / "00-index.ipynb", "course-map")
    assert course_map.endswith(
        "The stored outputs were made with Python 3.13.0, Linux x86_64, 2 CPUs."
    )
    make(tmp_path, "02-second.ipynb", "Second")  # never executed by `make notebooks`
    main(tmp_path, None)
    (course_map,) = tagged(tmp_path / "00-index.ipynb", "course-map")
    assert course_map.endswith(
        "made with 00, 01: Python 3.13.0, Linux x86_64, 2 CPUs; 02: not recorded."
    )


def test_the_index_lists_every_section_but_the_common_ones(tmp_path):
    make(tmp_path, "00-index.ipynb", "Index")
    make(tmp_path, "01-first.ipynb", "First")
    path = tmp_path / "01-first.ipynb"
    notebook = nbformat.read(path, as_version=4)
    notebook.cells += [
        nbformat.v4.new_markdown_cell("## Setup"),
        nbformat.v4.new_markdown_cell("Text\n\n## 1. One thing\n\n### a detail\n\n## 2. Another"),
        nbformat.v4.new_code_cell("## 3. a comment, not a heading"),
        nbformat.v4.new_markdown_cell("## Exercises"),
        nbformat.v4.new_markdown_cell("## Summary"),
    ]
    nbformat.write(notebook, path)
    main(tmp_path, None)
    main(tmp_path, None)
    (listed,) = tagged(tmp_path / "00-index.ipynb", "course-contents")
    assert listed.endswith(
        "**[01 · First](01-first.ipynb)**\n\n- 1\\. One thing\n- 2\\. Another\n\n</details>"
    )
    assert "Contents" not in listed.split("## Contents")[1]  # its own heading is not a section


def test_study_time_is_modelled_from_the_notebook(tmp_path):
    make(tmp_path, "01-first.ipynb", "First", run_seconds=60)
    path = tmp_path / "01-first.ipynb"
    notebook = nbformat.read(path, as_version=4)
    notebook.cells = [
        nbformat.v4.new_markdown_cell(" ".join(["word"] * 1800)),  # 10 minutes of prose
        nbformat.v4.new_code_cell("\n".join(["x = 1"] * 200)),  # 10 minutes of code
        nbformat.v4.new_markdown_cell("**Exercise 1: write it.** and\n**Exercise 2 (thinking).**"),
        nbformat.v4.new_code_cell("check(globals())", metadata={"tags": ["self-check"]}),
        nbformat.v4.new_markdown_cell("<details>" + " more" * 900 + "</details>"),  # not counted
    ]
    nbformat.write(notebook, path)
    assert study_parts(nbformat.read(path, as_version=4)) == {
        "words": 1800 + 8,
        "code_lines": 201,
        "coding_exercises": 1,
        "thinking_exercises": 1,
        "run_seconds": 60,
    }
    # 10 + 10.05 + 8 + 4 + 1 minutes, rounded to 5
    assert study_minutes(nbformat.read(path, as_version=4)) == 35


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_notebook_fits_one_sitting(path):
    minutes = study_minutes(nbformat.read(path, as_version=4))
    assert minutes <= SITTING_MINUTES, f"{path.name}: {minutes} minutes of study by the model"


def test_links_to_sections_and_exercises_follow_their_words(tmp_path):
    path = tmp_path / "07-later.ipynb"
    text = "## Setup\n\n## 1. First\n\n## 2. The `point`\n\n**Exercise 1: do it.**"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(text)]), path)
    old = (
        "[05 §4: The `point`](../notebooks/05-later.ipynb), [05 exercise 3: do it](05-later.ipynb)"
    )
    assert resolve(old, [path]) == (
        "[07 §2: The `point`](../notebooks/07-later.ipynb), [07 exercise 1: do it](07-later.ipynb)"
    )
    with pytest.raises(ValueError, match=r"07-later\.ipynb has no § 'Gone'"):
        resolve("[07 §2: Gone](07-later.ipynb)", [path])
    with pytest.raises(ValueError, match="no notebook named"):
        resolve("[07 §2: First](07-elsewhere.ipynb)", [path])


def test_the_guide_and_the_index_point_at_headings_that_exist():
    paths = sorted(ROOT.glob("notebooks/[0-9][0-9]-*.ipynb"))
    resolve((ROOT / "docs" / "instructor-guide.md").read_text(encoding="utf-8"), paths)
    for path in paths:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "markdown":
                assert resolve(cell.source, paths) == cell.source, (
                    f"{path.name}: run make navigation"
                )
