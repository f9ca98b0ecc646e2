"""The generated site under /site/: linked pages a crawler can walk."""

from __future__ import annotations

import functools
import random
from urllib.parse import urljoin, urlsplit

SITE_PAGES = 300  # pages in the generated site under /site/ unless --pages says otherwise
MAX_SITE_PAGES = 100_000
EXTERNAL_SITE = "http://example.invalid"  # other-host links: .invalid never resolves (RFC 2606)


def check_pages(pages: int) -> None:
    """Raise ValueError unless pages is an int from 1 to MAX_SITE_PAGES."""
    if isinstance(pages, bool) or not isinstance(pages, int) or not 1 <= pages <= MAX_SITE_PAGES:
        raise ValueError(f"pages must be an int from 1 to {MAX_SITE_PAGES:,}, got {pages!r}")


@functools.lru_cache(maxsize=16)
def site_links(seed: int, pages: int) -> tuple[tuple[str, ...], ...]:
    """The hrefs on each page of the generated site, indexed by page number.

    A random tree links every page from /site/0; each page also links to up to three random
    others. Some links are written relative ("12"), some carry a fragment ("/site/12#links"),
    some point past the last page (a 404) and some to another host, which a crawler must skip.
    """
    check_pages(pages)
    rng = random.Random(f"site {seed} {pages}")
    targets: list[set[int]] = [set() for _ in range(pages)]
    for child in range(1, pages):
        targets[rng.randrange(child)].add(child)
    site = []
    for n in range(pages):
        others = [m for m in rng.sample(range(pages), min(pages, 4)) if m != n]
        internal = sorted(targets[n].union(others[:3]))
        hrefs = [f"/site/{m}" for m in internal]
        if hrefs and rng.random() < 0.3:
            index = rng.randrange(len(hrefs))
            hrefs[index] = str(internal[index])  # relative to /site/n
        if hrefs and rng.random() < 0.3:
            hrefs.append(f"/site/{rng.choice(internal)}#links")
        if rng.random() < 0.1:
            hrefs.append(f"/site/{pages + rng.randrange(pages)}")
        if rng.random() < 0.2:
            hrefs.append(f"{EXTERNAL_SITE}/site/{rng.randrange(pages)}")
        rng.shuffle(hrefs)
        site.append(tuple(hrefs))
    return tuple(site)


def site_paths(seed: int, pages: int) -> tuple[frozenset[str], frozenset[str]]:
    """Paths a crawler from /site/0 must reach: (pages that exist, dead links)."""
    links = site_links(seed, pages)
    found, to_visit = {"/site/0"}, ["/site/0"]
    while to_visit:
        path = to_visit.pop()
        n = int(path.rsplit("/", 1)[1])
        for href in links[n] if n < pages else ():
            parts = urlsplit(urljoin(path, href))
            if not parts.netloc and parts.path not in found:
                found.add(parts.path)
                to_visit.append(parts.path)
    dead = {path for path in found if int(path.rsplit("/", 1)[1]) >= pages}
    return frozenset(found - dead), frozenset(dead)
