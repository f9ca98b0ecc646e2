"""`make html` builds a site whose every page and link works offline."""

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from solutions import exercises

from tools.static_site import main as build_site

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


def build(out: Path) -> tuple[Path, dict[str, References]]:
    """Build the site in out; every page's references by name."""
    build_site(out)
    pages = {}
    for page in sorted(out.glob("*.html")):
        references = References()
        references.feed(page.read_text(encoding="utf-8"))
        pages[page.name] = references
    return out, pages


def check_one_page_per_notebook_and_an_index(site):
    _, pages = site
    assert set(pages) == {f"{p.stem}.html" for p in NOTEBOOKS} | {"index.html"}


def check_nothing_is_loaded_from_the_internet(site):
    _, pages = site
    for name, references in pages.items():
        for tag, value in references.links:
            remote = urlsplit(value).scheme in ("http", "https") or value.startswith("//")
            assert not (remote and tag != "a"), f"{name}: <{tag}> loads {value} from the internet"


def check_every_link_between_pages_resolves(site):
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


class TextOutsideDetails(HTMLParser):
    """Collect the text of a page that is not inside a collapsed <details> block."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.visible: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.depth += tag == "details"

    def handle_endtag(self, tag):
        self.depth -= tag == "details"

    def handle_data(self, data):
        if self.depth == 0:
            self.visible.append(data)


def check_solutions_stay_collapsed(site):
    out, _ = site
    shown = 0
    for path in NOTEBOOKS:
        page = TextOutsideDetails()
        page.feed((out / f"{path.stem}.html").read_text(encoding="utf-8"))
        visible = "".join(page.visible)
        for exercise in exercises(path):
            solution = exercise.solution.strip()
            assert solution not in visible, f"{path.name}: {exercise.check}'s solution shows"
            shown += 1
    assert shown, "no solution was found to check"


def test_the_site_works_offline(tmp_path):
    """One build (a build takes seconds), every check of it."""
    site = build(tmp_path)
    check_one_page_per_notebook_and_an_index(site)
    check_nothing_is_loaded_from_the_internet(site)
    check_every_link_between_pages_resolves(site)
    check_solutions_stay_collapsed(site)
