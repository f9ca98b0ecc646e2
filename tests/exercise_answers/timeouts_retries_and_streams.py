"""What 08-timeouts-retries-and-streams defines before its exercises (wrong answers: the .toml)."""

import asyncio
import contextlib
import email.utils
from datetime import UTC, datetime

import aiohttp
from solutions import named

ATTEMPTS = 4
MAX_WAIT = 60.0


def retry_after_s(value: str | None) -> float | None:
    """Seconds a Retry-After header asks to wait (capped at MAX_WAIT), None without one."""
    if value is None:
        return None
    if value.isdigit():
        return min(float(value), MAX_WAIT)
    try:
        until = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return min(max(0.0, (until - datetime.now(UTC)).total_seconds()), MAX_WAIT)


def notebook_namespace() -> dict:
    """What 08-timeouts-retries-and-streams defines before its exercises, as they use it."""

    async def fetch(session: aiohttp.ClientSession, url: str) -> str:
        async with session.get(url) as response:
            response.raise_for_status()
            return await response.text()

    return named(
        asyncio,
        aiohttp,
        contextlib,
        fetch,
        retry_after_s,
        email,
        datetime,
        ATTEMPTS=ATTEMPTS,
        MAX_WAIT=MAX_WAIT,
        UTC=UTC,
    )
