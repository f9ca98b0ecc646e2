"""What 12-beyond-one-machine defines before its exercises (wrong answers: the .toml)."""

import asyncio
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor

from aiohttp import web
from solutions import named

from helpers.cpu.pools import default_context
from helpers.cpu.workloads import sum_of_squares
from helpers.exercises.beyond_one_machine import POOL


def notebook_namespace() -> dict:
    """What 12-beyond-one-machine defines before its exercises, as the exercises use it."""
    return named(
        asyncio, AsyncIterator, ProcessPoolExecutor, default_context, sum_of_squares, web, POOL=POOL
    )
