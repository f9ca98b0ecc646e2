"""`make html` builds a site whose every page and link works offline."""

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from static_site import main as build_site

NOTEBOOKS = sorted(
    (Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9][0-9]-*.ipynb")
)


class References(HTMLParser):
    """Collect every href and src of a page, and the ids it defines."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.links.append((tag, value))
            if name == "id" and value:
                self.ids.add(value)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("html")
    build_site(out)
    pages = {}
    for page in sorted(out.glob("*.html")):
        references = References()
        references.feed(page.read_text(encoding="utf-8"))
        pages[page.name] = references
    return out, pages


def test_one_page_per_notebook_and_an_index(site):
    _, pages = site
    assert set(pages) == {f"{p.stem}.html" for p in NOTEBOOKS} | {"index.html"}


def test_nothing_is_loaded_from_the_internet(site):
    _, pages = site
    for name, references in pages.items():
        for tag, value in references.links:
            remote = urlsplit(value).scheme in ("http", "https") or value.startswith("//")
            assert not (remote and tag != "a"), f"{name}: <{tag}> loads {value} from the internet"


def test_every_link_between_pages_resolves(site):
    out, pages = site
    checked = 0
    for name, references in pages.items():
        for tag, value in references.links:
            parts = urlsplit(value)
            if tag != "a" or parts.scheme or value.startswith("data:"):
                continue
            target = parts.path or name
            assert (out / target).is_file(), f"{name}: link to missing page {value}"
            if parts.fragment and parts.path:
                assert parts.fragment in pages[target].ids, f"{name}: no anchor for {value}"
            checked += 1
    assert checked >= len(NOTEBOOKS), "every page links at least to the index"
