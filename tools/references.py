"""Links to a notebook's section or exercise, kept right by `make navigation`.

The index and the instructor's guide point into notebooks with links such as

    [05 §6: Structured concurrency: `TaskGroup`](05-tasks-and-gather.ipynb)
    [06 exercise 2: a bounded `gather`](../notebooks/06-cancellation-and-limits.ipynb)

The heading's or the exercise's own words are the key: `resolve` finds them in the notebook
(looked up by its name without the number, so that renumbered notebooks are found) and rewrites
the numbers in front of them. A link whose words no notebook has is an error, so a renamed
heading cannot leave a stale reference behind.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

LINK = re.compile(
    r"\[(?P<number>\d\d) (?:§(?P<section>\d+)|exercise (?P<exercise>\d+)): (?P<words>[^\]]+)\]"
    r"\((?P<prefix>[^()]*?)\d\d-(?P<slug>[a-z0-9-]+)\.ipynb\)"
)
HEADING = re.compile(r"^## (\d+)\. (.+?)\s*$", re.MULTILINE)
EXERCISE = re.compile(r"^\*\*Exercise (\d+)(?: \([a-z]+\))?: (.+?)\.\*\*", re.MULTILINE)


def _slug(path: Path) -> str:
    return path.stem[3:]


def landmarks(path: Path) -> tuple[dict[str, int], dict[str, int]]:
    """A notebook's section numbers and exercise numbers, by their words."""
    notebook = nbformat.read(path, as_version=4)
    text = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    sections = {words: int(n) for n, words in HEADING.findall(text)}
    exercises = {words: int(n) for n, words in EXERCISE.findall(text)}
    return sections, exercises


def resolve(text: str, notebooks: list[Path]) -> str:
    """The text with every section or exercise link renumbered; ValueError names broken ones."""
    by_slug = {_slug(path): path for path in notebooks}
    cache: dict[Path, tuple[dict[str, int], dict[str, int]]] = {}
    broken: list[str] = []

    def renumber(match: re.Match[str]) -> str:
        path = by_slug.get(match["slug"])
        if path is None:
            broken.append(f"{match[0]}: no notebook named *-{match['slug']}.ipynb")
            return match[0]
        sections, exercises = cache.setdefault(path, landmarks(path))
        words, number = match["words"], path.name[:2]
        table, kind = (sections, "§") if match["section"] else (exercises, "exercise ")
        if words not in table:
            broken.append(f"{match[0]}: {path.name} has no {kind.strip()} {words!r}")
            return match[0]
        return f"[{number} {kind}{table[words]}: {words}]({match['prefix']}{path.name})"

    resolved = LINK.sub(renumber, text)
    if broken:
        raise ValueError("links to missing sections or exercises:\n" + "\n".join(broken))
    return resolved
