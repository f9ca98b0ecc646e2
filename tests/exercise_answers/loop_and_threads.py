"""What 04-loop-and-threads defines before its exercises (wrong answers: the .toml)."""

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from solutions import named


def notebook_namespace() -> dict:
    """What 04-loop-and-threads defines before its exercises, as the exercises use it."""

    def slow_lookup(key: str) -> str:
        time.sleep(0.3)
        return key.upper()

    def convert(name: str) -> str:
        time.sleep(0.05)
        return f"{name}.pdf"

    def save_parts_until(parts: int, saved: list[int], stop: threading.Event) -> None:
        for part in range(1, parts + 1):
            if stop.is_set():
                return
            time.sleep(0.02)
            saved.append(part)

    return named(
        asyncio,
        threading,
        time,
        ThreadPoolExecutor,
        slow_lookup,
        convert,
        save_parts_until,
        KEYS=[f"key {i}" for i in range(20)],
    )
