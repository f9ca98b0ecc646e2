"""Gantt charts of Timeline records, in the words of the chart that draws them."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from helpers.measure.plots import COURSE_STYLE, detached
from helpers.measure.timeline import STATES, Record, State

_COLOURS = {"running": "#0072B2", "waiting": "#9CC8E8", "ready": "#E69F00", "queued": "#BBBBBB"}
# a state's words where the chart gives none: its name, never a cause the chart did not ask for
STATE_LABELS: dict[State, str] = {**{s: s for s in STATES}, "ready": "ready to resume"}
_HATCHES = {"ok": "", "error": "//", "cancelled": "xx"}
_OUTCOME_LABELS = {"error": "raised an exception", "cancelled": "cancelled"}
_FAILURE_COLOUR = "#D55E00"
_VISIBLE = 0.003  # a share of the time axis (3 pixels): narrower bars are not in the legend


def gantt(
    records: Sequence[Record],
    title: str,
    *,
    ylabel: str,
    labels: Mapping[State, str] | None = None,
    counts: bool = False,
    max_labels: int = 30,
    until: float | None = None,
) -> Figure:
    """Gantt chart of Timeline records, a row per name in order of first start (Timeline.plot).

    Timeline.plot checks the arguments. ylabel says what a row is, labels what a state means here
    (else STATE_LABELS). A white line parts touching bars of a state in a row; counts=True writes
    each row's number of records at its end. Past max_labels rows, names are hidden; `until` ends
    the time axis. The legend names what a bar wide enough to see shows, if it has two entries or
    more, or the chart gave its own words for the one; a dashed line and a cross mark when each
    failed row raised (up to three).
    """
    words = {**STATE_LABELS, **(labels or {})}
    records = sorted(records, key=lambda record: record.start)
    names = list(dict.fromkeys(record.name for record in records))
    row = {name: index for index, name in enumerate(names)}
    origin = records[0].start
    span = until or max(r.end for r in records) - origin
    height = min(10.0, max(3.5, 1.8 + 0.45 * len(names)))
    with plt.style.context([COURSE_STYLE, {"hatch.linewidth": 1.5}]):
        fig, ax = plt.subplots(figsize=(11, height), layout="constrained")
        _gantt_bars(ax, records, row, origin, _VISIBLE * span)
        handles = _gantt_handles(records, words, _VISIBLE * span)
        failures = _gantt_failures(ax, records, row, origin)
        handles += failures
        for name, index in row.items() if counts else ():
            mine = [r for r in records if r.name == name]
            end = min(max(r.end for r in mine) - origin, span)
            ax.annotate(f"{len(mine)}", (end, index), (6, 0), "data", "offset points", va="center")
        if len(names) <= max_labels:
            ax.set_yticks(range(len(names)), labels=names)
        else:
            ax.set_yticks([])
            ylabel = f"{ylabel}: {len(names)} rows (names hidden)"
        ax.set_ylabel(textwrap.fill(ylabel, int(8 * (height - 1.5))))  # no taller than the axes
        ax.set_ylim(len(names) - 0.5, -0.5)
        ax.set_xlim(0, until or span * (1.06 if counts or failures else 1))  # counts, crosses
        ax.set_xlabel("time (s)")
        ax.set_title(title)
        ax.grid(axis="x", alpha=0.4)
        ax.set_axisbelow(True)
        if len(handles) > 1 or (handles and labels):  # the chart's own words, even for one state
            wide = sum(len(str(handle.get_label())) for handle in handles) > 60
            columns = -(-len(handles) // 2) if wide else len(handles)  # one line, or two
            fig.legend(handles=handles, loc="outside lower center", ncols=columns, frameon=False)
    return detached(fig)


def _gantt_bars(
    ax: Axes, records: Sequence[Record], row: Mapping[str, int], origin: float, touch: float
) -> None:
    """Draw a bar per record, and a white line where two bars of a state touch in a row.

    Bars closer than `touch` seconds touch; one narrower than that gets no line: it would vanish.
    """
    last: dict[tuple[str, State], Record] = {}
    looks: dict[tuple[State, str], list[list[tuple[float, float]]]] = {}
    joins: list[list[tuple[float, float]]] = []
    for r in records:  # in order of start
        y, before = row[r.name], last.get((r.name, r.state))
        if before and r.start - before.end <= touch <= min(before.duration, r.duration):
            x = (before.end + r.start) / 2 - origin
            joins.append([(x, y - 0.35), (x, y + 0.35)])
        last[(r.name, r.state)] = r
        left, right = r.start - origin, r.end - origin
        bar = [(left, y - 0.35), (left, y + 0.35), (right, y + 0.35), (right, y - 0.35)]
        looks.setdefault((r.state, r.outcome), []).append(bar)
    # One collection per look: thousands of bars draw in a second, not minutes as patches.
    for (state, outcome), bars in looks.items():
        look: dict[str, Any] = {"facecolor": _COLOURS[state], "hatch": _HATCHES[outcome]}
        ax.add_collection(PolyCollection(bars, edgecolor="black", linewidth=0, **look))
    if joins:
        ax.add_collection(LineCollection(joins, colors="white", linewidths=2))
    ax.autoscale_view()


def _gantt_handles(
    records: Sequence[Record], words: Mapping[State, str], wide: float
) -> list[Artist]:
    """Legend entries for the states and outcomes of the bars at least `wide` seconds long."""
    visible = [r for r in records if r.duration >= wide]
    states, outcomes = {r.state for r in visible}, {r.outcome for r in visible}
    handles: list[Artist] = [
        Patch(facecolor=_COLOURS[state], label=words[state]) for state in STATES if state in states
    ]
    return handles + [
        Patch(facecolor="white", edgecolor="black", hatch=_HATCHES[outcome], label=label)
        for outcome, label in _OUTCOME_LABELS.items()
        if outcome in outcomes
    ]


def _gantt_failures(
    ax: Axes, records: Sequence[Record], row: Mapping[str, int], origin: float
) -> list[Artist]:
    """Mark when each row that ended in an error raised (up to three); its legend entry."""
    last = {r.name: r for r in sorted(records, key=lambda record: record.end)}
    failed = [r for r in last.values() if r.outcome == "error"]
    if not 0 < len(failed) <= 3:
        return []
    look: dict[str, Any] = {"color": _FAILURE_COLOUR, "marker": "X", "markersize": 14}
    for r in failed:
        ax.axvline(r.end - origin, color=_FAILURE_COLOUR, linewidth=2, linestyle="--", zorder=3)
        ax.plot([r.end - origin], [row[r.name]], **look)
    return [Line2D([], [], linewidth=2, linestyle="--", label="moment of failure", **look)]
