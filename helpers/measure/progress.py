"""Progress bars with tqdm, set so that a notebook's stored output repeats exactly (07-aiohttp).

tqdm is what readers will use in their own code: `tqdm.asyncio.tqdm` is its bar class with
`gather` and `as_completed` for coroutines. By default it writes to stderr and redraws on a
timer, so no two runs print the same thing. `course_bar_options` writes to stdout instead and
redraws only when another tenth (by default) of the work is done, with no rate or time in the
bar, so nbval can compare the output, and thousands of tasks finishing within a second cost
ten redraws, not thousands.
"""

from __future__ import annotations

import sys
from typing import Any

from tqdm.asyncio import tqdm

BAR_FORMAT = "{desc} [{bar:30}] {n:,}/{total:,}"


def course_bar_options(total: int, steps: int = 10) -> dict[str, Any]:
    """tqdm's keyword arguments for a bar redrawn at each of steps steps of total."""
    for name, value in (("total", total), ("steps", steps)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be an int of at least 1, got {value!r}")
    tqdm.monitor_interval = 0  # no monitor thread: nothing redraws on a timer
    return {
        "total": total,
        "file": sys.stdout,  # looked up now: Jupyter gives each cell its own
        "bar_format": BAR_FORMAT,
        "ascii": ".#",
        "mininterval": 0,
        "miniters": max(1, total // steps),
    }
