"""Record when tasks run in coroutines, threads and processes; draw a Gantt chart (01-why-asyncio).

A task is a named piece of work: one row of the chart. Its time is split into records, each in one
state: "running" (the task holds its thread, or for a coroutine the event loop), "waiting" (it
has let others run: a coroutine suspended at an `await`, or a block marked with `span.waiting()`),
"ready" (what it waited for is ready, but the loop, busy elsewhere, has not resumed it yet:
`span.waiting(ready_after=...)`) or "queued" (it waits for a lock or a permit: `span.queued()`).
Every record of a task carries how the task ended: "ok", "error" or "cancelled". `Timeline.plot`
draws them as a Gantt chart (`helpers.measure.gantt.gantt`) in the words of the chart that uses it.

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
from collections.abc import Callable, Coroutine, Generator, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, ParamSpec, TypedDict, TypeVar, Unpack, get_args

if TYPE_CHECKING:
    from matplotlib.figure import Figure

P = ParamSpec("P")
R = TypeVar("R")
State = Literal["running", "waiting", "ready", "queued"]
Outcome = Literal["ok", "error", "cancelled"]

STATES: tuple[State, ...] = get_args(State)
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)


class ChartOptions(TypedDict, total=False):
    """What Timeline.plot passes on to helpers.measure.gantt.gantt, which has the defaults."""

    labels: Mapping[State, str] | None
    counts: bool
    max_labels: int
    until: float | None


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

    def plot(self, title: str, *, ylabel: str, **options: Unpack[ChartOptions]) -> Figure:
        """Draw a Gantt chart, one row per task, in the chart's own words; return the Figure.

        ylabel says what a row is ("request", "worker"); labels says what each state means in
        this chart (waiting: "in flight (awaiting the reply)"); a state without one keeps a
        neutral name. The rest is `helpers.measure.gantt.gantt`'s.
        """
        if not isinstance(ylabel, str) or not ylabel.strip():
            raise ValueError(f"ylabel must say what a row is (request, worker...), got {ylabel!r}")
        labels, until = options.get("labels"), options.get("until")
        words = labels or {}
        if set(words) - set(STATES) or not all(isinstance(w, str) and w for w in words.values()):
            raise ValueError(f"labels must map states of {STATES} to words, got {labels!r}")
        if until is not None and not until > 0:
            raise ValueError(f"until must be a number of seconds > 0, got {until!r}")
        records = self.records
        if not records:
            raise ValueError("no tasks recorded: run work in `with tl.task()` or @tl.traced first")
        # Imported here, not at the top: process-pool workers import this module; keep them fast.
        from helpers.measure.gantt import gantt

        return gantt(records, title, ylabel=ylabel, **options)
