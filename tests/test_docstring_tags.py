"""Each helper module's docstring names the notebook that first imports it, so tags cannot drift.

The tag is the first line's "(NN-short-title)". A module no notebook imports carries none, and
functions and classes carry none: the module's tag says where its helpers are introduced.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
HELPERS = ROOT / "helpers"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
TAG = re.compile(r"\((?:introduced in )?(\d\d-[a-z0-9-]+)\)")
IMPORT = re.compile(
    r"^\s*(?:from\s+(helpers(?:\.\w+)*)\s+import\s+\(?([\w ,]*)|import\s+(helpers[\w.]*))"
)


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {
    module_name(path): path
    for path in sorted(HELPERS.rglob("*.py"))
    if "exercises" not in path.parts and path.name != "__init__.py"
}


def imported_modules(source: str) -> set[str]:
    """The helpers modules that a cell's import lines name."""
    found = set()
    for line in source.splitlines():
        match = IMPORT.match(line)
        if not match:
            continue
        package, names, plain = match.groups()
        if plain:
            found.add(plain)
            continue
        found.add(package)
        found.update(f"{package}.{name.strip()}" for name in names.split(",") if name.strip())
    return found & set(MODULES)


def first_importers() -> dict[str, str]:
    """Each module's first importing notebook, as "NN-short-title"."""
    first: dict[str, str] = {}
    for notebook in NOTEBOOKS:
        cells = nbformat.read(notebook, as_version=4).cells
        for cell in cells:
            if cell.cell_type == "code":
                for module in imported_modules(cell.source):
                    first.setdefault(module, notebook.stem)
    return first


FIRST = first_importers()


def test_notebooks_import_helpers_and_the_parser_sees_it():
    assert FIRST["helpers.measure.timing"] == "01-why-asyncio"
    assert FIRST["helpers.measure.plots"] == "01-why-asyncio"  # from helpers.measure import plots
    assert "helpers.bench.report" not in FIRST


@pytest.mark.parametrize("module", sorted(MODULES))
def test_module_docstring_names_the_first_notebook_that_imports_it(module):
    docstring = ast.get_docstring(ast.parse(MODULES[module].read_text(encoding="utf-8"))) or ""
    tags = TAG.findall(docstring.splitlines()[0] if docstring else "")
    expected = [FIRST[module]] if module in FIRST else []
    assert tags == expected, f"{module}: first line should carry {expected or 'no tag'}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_functions_and_classes_carry_no_tag(module):
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    tagged = [
        node.name
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        and TAG.search(ast.get_docstring(node) or "")
    ]
    assert tagged == [], f"the module docstring's tag says where these are introduced: {tagged}"
