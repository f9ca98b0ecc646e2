"""Record when tasks run in coroutines, threads and processes; draw a Gantt chart (01-why-asyncio).

A task is a named piece of work: one row of the chart. Its time is split into records, each in one
state: "running" (the task holds its thread, or for a coroutine the event loop), "waiting" (it
has let others run: a coroutine suspended at an `await`, or a block marked with `span.waiting()`),
"ready" (what it waited for is ready, but the loop, busy elsewhere, has not resumed it yet:
`span.waiting(ready_after=...)`) or "queued" (it waits for a lock or a permit: `span.queued()`).
Every record of a task carries how the task ended: "ok", "error" or "cancelled". The chart's
legend names only the states and outcomes it draws, and marks the moment a task failed.

Clock: time.perf_counter() for resolution and steady steps, anchored once per process to
time.time(), the one clock Python documents as shared by all processes. Records made in a worker
process therefore line up with the parent's, to within the wall clock's resolution at the moment
each process imported this module: microseconds on Linux and macOS, up to about 16 ms on Windows
before Python 3.13. perf_counter() alone is not comparable between processes on every platform.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import itertools
import reprlib
import threading
import time
import types
from collections.abc import Callable, Coroutine, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, ParamSpec, TypeVar, get_args

if TYPE_CHECKING:
    from matplotlib.figure import Figure

P = ParamSpec("P")
R = TypeVar("R")
State = Literal["running", "waiting", "ready", "queued"]
Outcome = Literal["ok", "error", "cancelled"]

STATES: tuple[State, ...] = get_args(State)
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)

_COLOURS = {"running": "#0072B2", "waiting": "#9CC8E8", "ready": "#E69F00", "queued": "#BBBBBB"}
_STATE_LABELS = {
    "running": "running",
    "waiting": "waiting",
    "ready": "ready, but the loop is busy",
    "queued": "queued for a lock or permit",
}
_FAILURE_COLOUR = "#D55E00"
_VISIBLE = 0.003  # a bar narrower than this share of the time axis (3 pixels) is not in the legend
_HATCHES = {"ok": "", "error": "//", "cancelled": "xx"}
_OUTCOME_LABELS = {"error": "raised an exception", "cancelled": "cancelled"}

_WALL_ANCHOR = time.time()
_PERF_ANCHOR = time.perf_counter()


def _now() -> float:
    return _WALL_ANCHOR + (time.perf_counter() - _PERF_ANCHOR)


@dataclass(frozen=True)
class Record:
    """One stretch of one task: start, end (epoch seconds), state, outcome."""

    name: str
    start: float
    end: float
    state: State = "running"
    outcome: Outcome = "ok"

    def __post_init__(self) -> None:
        if self.state not in STATES:
            raise ValueError(f"state must be one of {STATES}, got {self.state!r}")
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES}, got {self.outcome!r}")
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")

    @property
    def duration(self) -> float:
        """Seconds from start to end."""
        return self.end - self.start


class TaskSpan:
    """Context manager that records its block as one task."""

    def __init__(self, timeline: Timeline, name: str) -> None:
        self.name = name
        self._timeline = timeline
        self._segments: list[tuple[State, float, float]] = []
        self._state: State | None = None
        self._since = 0.0

    def __enter__(self) -> TaskSpan:
        if self._state is not None or self._segments:
            raise RuntimeError(f"task {self.name!r} was already recorded: call tl.task() again")
        self._state, self._since = "running", _now()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._switch(None)
        if exc is None:
            outcome: Outcome = "ok"
        elif isinstance(exc, asyncio.CancelledError):
            outcome = "cancelled"
        else:
            outcome = "error"
        self._timeline._extend(
            [Record(self.name, start, end, state, outcome) for state, start, end in self._segments]
        )

    def _switch(self, state: State | None) -> None:
        now = _now()
        if self._state is not None:
            self._segments.append((self._state, self._since, now))
        self._state, self._since = state, now

    @contextmanager
    def waiting(self, ready_after: float | None = None) -> Iterator[None]:
        """Mark the block as waiting (on I/O, a sleep), not running.

        With ready_after, what the block waits for is ready that many seconds after it starts
        (a sleep's timer): any time the block lasts beyond it is recorded as "ready".
        """
        if ready_after is not None and not ready_after >= 0:
            raise ValueError(f"ready_after must be a number of seconds >= 0, got {ready_after!r}")
        with self._block("waiting", "waiting()"):
            yield
        if ready_after is not None:
            state, start, end = self._segments.pop()
            due = min(end, start + ready_after)
            self._segments.append((state, start, due))
            if due < end:
                self._segments.append(("ready", due, end))

    @contextmanager
    def queued(self) -> Iterator[None]:
        """Mark the block as queued: waiting for a lock, a Semaphore's permit, a pool's slot."""
        with self._block("queued", "queued()"):
            yield

    @contextmanager
    def _block(self, state: State, call: str) -> Iterator[None]:
        if self._state != "running":
            raise RuntimeError(
                f"task {self.name!r} is not running: use {call} inside its `with` block, "
                "and do not nest it"
            )
        self._switch(state)
        try:
            yield
        finally:
            self._switch("running")


@types.coroutine
def _step_through(coro: Coroutine[Any, Any, R], span: TaskSpan) -> Generator[Any, Any, R]:
    """Run coro as `await` would, marking each suspension as waiting on span."""
    value: Any = None
    error: BaseException | None = None
    while True:
        try:
            step = coro.send(value) if error is None else coro.throw(error)
        except StopIteration as stop:
            return stop.value
        span._switch("waiting")
        try:
            value, error = (yield step), None
        except BaseException as exc:
            value, error = None, exc
        span._switch("running")


def _call_label(func: Callable[..., object], args: tuple[object, ...]) -> str:
    name = getattr(func, "__qualname__", type(func).__name__)
    return f"{name}({', '.join(reprlib.repr(arg) for arg in args)})"


def run_recorded(
    func: Callable[..., R], *args: object, name: str | None = None
) -> tuple[R, Record]:
    """Call func(*args), return (result, Record); picklable for process pools."""
    start = _now()
    result = func(*args)
    return result, Record(name or _call_label(func, args), start, _now())


def _bar(row: int, left: float, right: float) -> list[tuple[float, float]]:
    return [(left, row - 0.35), (left, row + 0.35), (right, row + 0.35), (right, row - 0.35)]


class Timeline:
    """Thread-safe log of when tasks ran, with summaries and a Gantt chart."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[Record] = []

    def task(self, name: str) -> TaskSpan:
        """Return a context manager that records its block as the task `name`."""
        if not isinstance(name, str) or not name:
            raise TypeError(f"name must be a non-empty str, got {name!r}")
        return TaskSpan(self, name)

    def traced(self, func: Callable[P, R]) -> Callable[P, R]:
        """Record each call of a function or coroutine function as 'name #k'."""
        if inspect.isgeneratorfunction(func) or inspect.isasyncgenfunction(func):
            raise TypeError(
                f"{func.__qualname__} is a generator function: its body runs while it is "
                "iterated, not when it is called, so use `with tl.task(...)` inside it"
            )
        calls = itertools.count(1)

        def label() -> str:
            with self._lock:
                return f"{func.__name__} #{next(calls)}"

        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def traced_coroutine(*args: P.args, **kwargs: P.kwargs) -> Any:
                with self.task(label()) as span:
                    return await _step_through(func(*args, **kwargs), span)

            return traced_coroutine  # type: ignore[return-value]

        @functools.wraps(func)
        def traced_function(*args: P.args, **kwargs: P.kwargs) -> R:
            with self.task(label()):
                return func(*args, **kwargs)

        return traced_function

    def add(self, record: Record) -> None:
        """Add a Record made elsewhere, such as the one run_recorded returns."""
        if not isinstance(record, Record):
            raise TypeError(
                f"add takes a Record, got {type(record).__name__}: from run_recorded's "
                "(result, record) pair pass only the record"
            )
        self._extend([record])

    def _extend(self, records: list[Record]) -> None:
        with self._lock:
            self._records.extend(records)

    @property
    def records(self) -> list[Record]:
        """A copy of all records, in order of start time."""
        with self._lock:
            return sorted(self._records, key=lambda record: record.start)

    @property
    def names(self) -> list[str]:
        """Task names in order of first start: the chart's rows, top down."""
        return list(dict.fromkeys(record.name for record in self.records))

    def _all_bounds(self) -> dict[str, tuple[float, float]]:
        bounds: dict[str, tuple[float, float]] = {}
        for record in self.records:
            start, end = bounds.get(record.name, (record.start, record.end))
            bounds[record.name] = (min(start, record.start), max(end, record.end))
        return bounds

    def _bounds(self, name: str) -> tuple[float, float]:
        bounds = self._all_bounds()
        if name not in bounds:
            raise KeyError(f"no task named {name!r}; recorded: {', '.join(bounds) or 'none'}")
        return bounds[name]

    @property
    def elapsed(self) -> float:
        """Seconds from the first start to the last end over all tasks."""
        records = self.records
        if not records:
            raise ValueError("no tasks recorded: run work in `with tl.task(...)` or @tl.traced")
        return max(r.end for r in records) - records[0].start

    def duration(self, name: str) -> float:
        """Seconds from the task's first start to its last end."""
        start, end = self._bounds(name)
        return end - start

    def overlap(self, first: str, second: str) -> float:
        """Seconds during which both tasks were between their start and end."""
        first_start, first_end = self._bounds(first)
        second_start, second_end = self._bounds(second)
        return max(0.0, min(first_end, second_end) - max(first_start, second_start))

    def outcome(self, name: str) -> Outcome:
        """How the task ended: "ok", "error" or "cancelled"."""
        self._bounds(name)  # raises KeyError for an unknown name
        mine = [record for record in self.records if record.name == name]
        return max(mine, key=lambda record: record.end).outcome

    def max_concurrency(self, state: State | None = None) -> int:
        """Most tasks in progress at one moment, or only those in `state`."""
        if state is None:
            spans = list(self._all_bounds().values())
        elif state in STATES:
            spans = [(r.start, r.end) for r in self.records if r.state == state]
        else:
            raise ValueError(f"state must be None or one of {STATES}, got {state!r}")
        # At equal times an end sorts before a start: tasks that only touch do not overlap.
        events = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
        return max(itertools.accumulate(change for _, change in events), default=0)

    def plot(self, title: str, *, max_labels: int = 30, until: float | None = None) -> Figure:
        """Draw a Gantt chart, one row per task, and return the Figure.

        The figure is closed in pyplot, so Jupyter shows it once when it is a cell's value
        (or through display(fig)); save it with fig.savefig(path). Beyond max_labels rows the
        task names are hidden. `until` sets the time axis to end at that many seconds, to show
        time the tasks did not use. The legend names only what a bar wide enough to see shows;
        a dashed line and a cross mark the moment each failed task raised (up to three).
        """
        if until is not None and not until > 0:
            raise ValueError(f"until must be a number of seconds > 0, got {until!r}")
        records = self.records
        if not records:
            raise ValueError(
                "no tasks recorded: nothing to plot; run work in `with tl.task(...)` or "
                "@tl.traced first"
            )
        # Imported here, not at the top: process-pool workers import this module; keep them fast.
        import matplotlib.pyplot as plt
        from matplotlib.artist import Artist
        from matplotlib.collections import PolyCollection
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch

        from helpers.measure.plots import COURSE_STYLE

        names = self.names
        row = {name: index for index, name in enumerate(names)}
        origin = records[0].start
        height = min(10.0, max(3.5, 1.8 + 0.45 * len(names)))
        with plt.style.context([COURSE_STYLE, {"hatch.linewidth": 1.5}]):
            fig, ax = plt.subplots(figsize=(11, height), layout="constrained")
            # One collection per look: thousands of bars draw in a second, not minutes as patches.
            for state, outcome in itertools.product(STATES, OUTCOMES):
                group = [r for r in records if (r.state, r.outcome) == (state, outcome)]
                if group:
                    bars = [_bar(row[r.name], r.start - origin, r.end - origin) for r in group]
                    ax.add_collection(
                        PolyCollection(
                            bars,
                            facecolor=_COLOURS[state],
                            hatch=_HATCHES[outcome],
                            edgecolor="black",
                            linewidth=0,
                        )
                    )
            ax.autoscale_view()
            axis_span = until or max(r.end for r in records) - origin
            visible = [r for r in records if r.duration >= _VISIBLE * axis_span]
            states = {r.state for r in visible}
            outcomes = {r.outcome for r in visible}
            handles: list[Artist] = [
                Patch(facecolor=_COLOURS[state], label=_STATE_LABELS[state])
                for state in STATES
                if state in states
            ]
            handles += [
                Patch(facecolor="white", edgecolor="black", hatch=_HATCHES[outcome], label=label)
                for outcome, label in _OUTCOME_LABELS.items()
                if outcome in outcomes
            ]
            failures = {
                name: end - origin
                for name, (_, end) in self._all_bounds().items()
                if self.outcome(name) == "error"
            }
            if 0 < len(failures) <= 3:
                for name, moment in failures.items():
                    ax.axvline(moment, color=_FAILURE_COLOUR, linewidth=2, linestyle="--", zorder=3)
                    ax.plot([moment], [row[name]], color=_FAILURE_COLOUR, marker="X", markersize=14)
                handles.append(
                    Line2D(
                        [],
                        [],
                        color=_FAILURE_COLOUR,
                        linewidth=2,
                        linestyle="--",
                        marker="X",
                        markersize=14,
                        label="moment of failure",
                    )
                )
            if len(names) <= max_labels:
                ax.set_yticks(range(len(names)), labels=names)
                ax.set_ylabel("task")
            else:
                ax.set_yticks([])
                ax.set_ylabel(f"{len(names)} tasks (names hidden)")
            ax.set_ylim(len(names) - 0.5, -0.5)
            ax.set_xlim(left=0, right=until)
            ax.set_xlabel("time (s)")
            ax.set_title(title)
            ax.grid(axis="x", alpha=0.4)
            ax.set_axisbelow(True)
            # one line of entries if it fits the figure's width, else two
            wide = sum(len(str(handle.get_label())) for handle in handles) > 60
            fig.legend(
                handles=handles,
                loc="outside lower center",
                ncols=-(-len(handles) // 2) if wide else len(handles),
                frameon=False,
            )
        plt.close(fig)
        return fig
