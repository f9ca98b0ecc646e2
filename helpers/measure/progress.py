"""A text progress line redrawn at fixed fractions, so its output repeats exactly (05-aiohttp).

It writes one line and rewrites it in place with a carriage return, which a terminal, JupyterLab
and VS Code all honour; it needs no widget library. Redrawing only when another tenth (by
default) of the work is done keeps the output identical from run to run, and cheap even when
thousands of tasks finish within a second.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressLine:
    """Count finished items; redraw `label [####......] done/total` at each step (05-aiohttp)."""

    def __init__(
        self,
        total: int,
        label: str = "done",
        *,
        steps: int = 10,
        width: int = 30,
        file: TextIO | None = None,
    ) -> None:
        for name, value in (("total", total), ("steps", steps), ("width", width)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an int of at least 1, got {value!r}")
        self.total = total
        self.label = label
        self.steps = steps
        self.width = width
        self.done = 0
        self._file = file
        self._shown = -1  # the last step drawn
        self._start = time.perf_counter()

    def __enter__(self) -> ProgressLine:
        self._start = time.perf_counter()
        self._draw()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def advance(self, count: int = 1) -> None:
        """Add count finished items; redraw when that crosses a step (05-aiohttp)."""
        self.done += count
        if self.done * self.steps // self.total > self._shown:
            self._draw()

    def close(self) -> None:
        """Draw the final state with the elapsed time and end the line (05-aiohttp)."""
        self._shown = -1
        self._draw(end=f" in {time.perf_counter() - self._start:.1f} s\n")

    def _draw(self, end: str = "") -> None:
        step = min(self.done, self.total) * self.steps // self.total
        filled = self.width * step // self.steps
        bar = "#" * filled + "." * (self.width - filled)
        file = self._file or sys.stdout  # looked up now: Jupyter replaces sys.stdout per cell
        print(f"\r{self.label} [{bar}] {self.done:,}/{self.total:,}{end}", end="", file=file)
        file.flush()
        self._shown = step
