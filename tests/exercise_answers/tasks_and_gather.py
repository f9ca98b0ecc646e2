"""What 05-tasks-and-gather defines before its exercises (wrong answers: the .toml)."""

import asyncio

from solutions import named


def notebook_namespace() -> dict:
    """What 05-tasks-and-gather defines before its exercises, as the exercises use it."""

    async def answer(name: str, seconds: float) -> str:
        await asyncio.sleep(seconds)
        return name

    site = {
        "/": (["/docs", "/blog"], 0.01),
        "/docs": (["/docs/install", "/docs/api"], 0.05),
        "/blog": (["/blog/2026"], 0.02),
        "/docs/install": ([], 0.01),
        "/docs/api": ([], 0.03),
        "/blog/2026": ([], 0.01),
    }

    async def fetch_links(url: str) -> list[str]:
        links, seconds = site[url]
        await asyncio.sleep(seconds)
        return links

    mirrors = {"mirror A": 0.3, "mirror B": 0.1, "mirror C": 0.2}
    return named(asyncio, answer, fetch_links, SITE=site, MIRRORS=mirrors)
