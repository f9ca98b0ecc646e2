"""Catch an answer that calls the library function or course helper that *is* the answer.

Two ways, used together: `tripwire` replaces `module.attr` for the duration of a call with a
function that raises `Mistake` (and puts the original back, even on error), which catches a call
however the answer reached it, as long as it goes through the module; `refuse_references` reads
the answer's code objects, nested ones included, for the names it refers to (`hashlib.sha256`,
or `sha256` imported on its own), which catches `from hashlib import sha256` that the tripwire
misses, and a call on a path the check did not take.
"""

from __future__ import annotations

import builtins
import dis
import importlib
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import CellType, CodeType
from typing import Any

from helpers.exercises import Mistake

_OUTER = {"LOAD_GLOBAL", "LOAD_NAME", "LOAD_DEREF"}  # names looked up outside the function
_STARTS = _OUTER | {"LOAD_FAST", "LOAD_FAST_CHECK", "LOAD_FAST_BORROW"}
_ATTRIBUTES = {"LOAD_ATTR", "LOAD_METHOD"}


def _message(name: str, advice: str) -> str:
    return f"the answer calls {name}, which is what the exercise asks you to write: {advice}"


@contextmanager
def tripwire(module: Any, attr: str, advice: str) -> Iterator[None]:
    """While active, calling module.attr raises Mistake; afterwards too if the answer hid it."""
    original = getattr(module, attr)
    name = f"{getattr(module, '__name__', type(module).__name__)}.{attr}"
    calls: list[object] = []

    def tripped(*args: object, **kwargs: object) -> Any:
        calls.append(args)
        raise Mistake(_message(name, advice))

    setattr(module, attr, tripped)
    try:
        yield
    finally:
        setattr(module, attr, original)
    if calls:  # caught and swallowed by the answer (`except Exception`)
        raise Mistake(_message(name, advice))


def code_objects(function: Callable[..., Any]) -> list[CodeType]:
    """The function's code object and every code object nested in it (lambdas, inner defs)."""
    found: list[CodeType] = []
    pending = [inspect.unwrap(function).__code__]
    while pending:
        code = pending.pop()
        found.append(code)
        pending.extend(const for const in code.co_consts if isinstance(const, CodeType))
    return found


def _references(function: Callable[..., Any]) -> set[tuple[str, bool]]:
    """(dotted name, whether its head is a global or free name) for each name the code uses."""
    found: set[tuple[str, bool]] = set()
    for code in code_objects(function):
        chain: list[str] = []
        outer = False
        imported: dict[str, str] = {}  # local name -> what an import inside the function bound
        last_import = ""
        for instruction in dis.get_instructions(code):
            op, name = instruction.opname, str(instruction.argval)
            if op.startswith("STORE_") and last_import:
                imported[name] = last_import
            last_import = ""
            if op == "IMPORT_NAME":
                chain, outer, last_import = [name], False, name.split(".")[0]
            elif op in _STARTS:
                outer = op in _OUTER and name not in imported
                chain = [imported.get(name, name)]
            elif op in _ATTRIBUTES and chain:
                chain.append(name)
            elif op == "IMPORT_FROM" and chain:
                last_import = f"{chain[0]}.{name}"
                found.add((last_import, False))
                continue
            else:
                chain = []
                continue
            found.add((".".join(chain), outer))
    return found


def referenced_names(function: Callable[..., Any]) -> set[str]:
    """Dotted names the function's code refers to: `hashlib.sha256`, `sha256`, imports too."""
    return {name for name, _ in _references(function)}


def _resolve(dotted: str, namespace: dict[str, Any]) -> object:
    """The object a dotted name stands for in the namespace, or None."""
    head, *rest = dotted.split(".")
    value = namespace.get(head)
    for part in rest:
        value = getattr(value, part, None)
    return value


def refuse_references(function: Callable[..., Any], forbidden: list[str], advice: str) -> None:
    """Raise Mistake if the function's code refers to one of `forbidden` (dotted, importable).

    A name counts if it is spelled as forbidden (`hashlib.sha256`, an import inside the
    function too), or if, looked up in the function's globals and closure, it is that object
    (`sha256` after `from hashlib import sha256`, or an alias).
    """
    targets = {}
    for dotted in forbidden:
        module, _, attr = dotted.rpartition(".")
        targets[dotted] = getattr(importlib.import_module(module), attr)
    function = inspect.unwrap(function)
    cells = zip(function.__code__.co_freevars, function.__closure__ or (), strict=True)
    namespace = {**vars(builtins), **function.__globals__}
    namespace.update((name, cell.cell_contents) for name, cell in cells if _filled(cell))
    for name, outer in sorted(_references(function)):
        value = _resolve(name, namespace) if outer else None
        for dotted, target in targets.items():
            if name == dotted or (value is not None and value is target):
                raise Mistake(_message(dotted, advice))


def _filled(cell: CellType) -> bool:
    """Whether a closure cell holds a value yet."""
    try:
        cell.cell_contents  # noqa: B018
    except ValueError:
        return False
    return True
