"""What 07-aiohttp defines before its exercises (wrong answers: the .toml)."""

import asyncio
import contextlib

import aiohttp
from solutions import named


def notebook_namespace() -> dict:
    """What 07-aiohttp defines before its exercises, as the exercises use it."""

    async def fetch(session: aiohttp.ClientSession, url: str) -> str:
        async with session.get(url) as response:
            response.raise_for_status()
            return await response.text()

    return named(asyncio, aiohttp, contextlib, fetch)
