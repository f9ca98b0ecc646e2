"""Show an object's source code in a notebook, highlighted for a projector (01-why-asyncio)."""

from __future__ import annotations

import html
import inspect
import textwrap
from typing import Any

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

CODE_STYLE = "font-size: 14pt; line-height: 1.35; padding: 0.4em 0.6em;"


class Source:
    """Source code: highlighted HTML in a notebook, the plain code as text."""

    def __init__(self, name: str, code: str) -> None:
        self.name = name
        self.code = code

    def _repr_html_(self) -> str:
        formatter = HtmlFormatter(noclasses=True, prestyles=CODE_STYLE)
        caption = f"<p><code>{html.escape(self.name)}</code></p>"
        return caption + highlight(self.code, PythonLexer(), formatter)

    def __repr__(self) -> str:
        return f"# {self.name}\n{self.code}"


def show_source(obj: Any) -> Source:
    """Source of a function, class or method, for a notebook to display."""
    try:
        code = inspect.getsource(obj)
    except (TypeError, OSError) as error:
        raise TypeError(f"no Python source to show for {obj!r}: {error}") from None
    module = getattr(obj, "__module__", None) or "?"
    name = f"{module}.{getattr(obj, '__qualname__', getattr(obj, '__name__', repr(obj)))}"
    return Source(name, textwrap.dedent(code).rstrip("\n"))
