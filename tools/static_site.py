"""Render every notebook, with its outputs, to a static site that works offline: `make html`.

Pages go to build/html/ (or the folder given as the first argument), one per notebook, plus
index.html (the course index). Links between notebooks point at the rendered pages, images are
embedded, and no script, style sheet or font is loaded from the internet.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_LINK = re.compile(r'href="(\d\d-[\w-]+)\.ipynb(#[^"]*)?"')


def render(path: Path, exporter: HTMLExporter) -> str:
    """One notebook as a standalone HTML page whose notebook links point at HTML pages."""
    body, _ = exporter.from_notebook_node(nbformat.read(path, as_version=4))
    return NOTEBOOK_LINK.sub(lambda m: f'href="{m.group(1)}.html{m.group(2) or ""}"', body)


def main(out: Path = ROOT / "build" / "html") -> None:
    """Write one page per notebook and index.html into out."""
    # No embed_images: it re-parses every markdown block, which closes a <details> right after
    # its <summary> and so shows every collapsed solution. Charts are embedded as data anyway.
    exporter = HTMLExporter(template_name="lab", mathjax_url="", require_js_url="")
    out.mkdir(parents=True, exist_ok=True)
    paths = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    for path in paths:
        page = render(path, exporter)
        (out / f"{path.stem}.html").write_text(page, encoding="utf-8")
        if path.name == "00-index.ipynb":
            (out / "index.html").write_text(page, encoding="utf-8")
    print(f"{len(paths)} notebooks rendered; open {out / 'index.html'} in a browser")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build" / "html")
