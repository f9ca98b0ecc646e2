"""What 03-event-loop defines before its exercises (wrong answers: the .toml)."""

import asyncio
import time

from solutions import named

from helpers.lessons.toyloop import Readable, Sleep, ToyLoop
from helpers.measure.timeline import Timeline


def notebook_namespace() -> dict:
    """What 03-event-loop defines before its exercises, as the exercises use it."""
    return named(asyncio, time, Readable, Sleep, ToyLoop, Timeline)
