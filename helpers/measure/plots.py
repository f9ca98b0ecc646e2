"""The course's charts, drawn in one style sheet readable on a projector (01-why-asyncio)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from helpers.measure.timing import Timing

COURSE_STYLE = Path(__file__).with_name("course.mplstyle")  # a matplotlib style sheet


def use_course_style() -> None:
    """Apply the course's chart style to every later matplotlib figure."""
    plt.style.use(COURSE_STYLE)


def bar_timings(timings: Mapping[str, Timing], title: str, *, ylabel: str) -> Figure:
    """Bar chart of median times with min–max whiskers, one bar per label."""
    if not timings:
        raise ValueError("timings is empty: pass at least one label -> Timing")
    with plt.style.context(COURSE_STYLE):
        fig, ax = plt.subplots()
        _timing_bars(ax, timings)
        _finish_bars(fig, ax, list(timings), title, ylabel)
    return detached(fig)


def bar_timings_panels(
    panels: Mapping[str, Mapping[str, Timing]], title: str, *, ylabel: str
) -> Figure:
    """Bar charts of timings side by side, one panel (and scale) per name, under one title."""
    if not panels or not all(panels.values()):
        raise ValueError("pass at least one panel name -> non-empty label -> Timing")
    with plt.style.context(COURSE_STYLE):
        fig, axes = plt.subplots(1, len(panels), figsize=(6.5 * len(panels), 6), squeeze=False)
        for ax, (name, timings) in zip(axes[0], panels.items(), strict=True):
            _timing_bars(ax, timings)
            _finish_bars(fig, ax, list(timings), name, ylabel)
        fig.suptitle(title)
        fig.tight_layout()
    return detached(fig)


WHISKERS = "bar: the median run; whiskers: the fastest to the slowest run"


def _timing_bars(ax: Axes, timings: Mapping[str, Timing]) -> None:
    """Draw a bar per label at its median, whiskers from min to max, and say so under the axis."""
    values = list(timings.values())
    medians = [t.median for t in values]
    whiskers = [[t.median - t.min for t in values], [t.max - t.median for t in values]]
    bars = ax.bar(list(timings), medians, yerr=whiskers, capsize=8, color="tab:blue")
    ax.bar_label(bars, labels=[_seconds(m) for m in medians], padding=6)  # above the whisker
    ax.set_xlabel(WHISKERS)


def bar_values(values: Mapping[str, float], title: str, *, ylabel: str) -> Figure:
    """Bar chart of one measured value per label, each bar labelled."""
    if not values:
        raise ValueError("values is empty: pass at least one label -> value")
    with plt.style.context(COURSE_STYLE):
        fig, ax = plt.subplots()
        bars = ax.bar(list(values), list(values.values()), color="tab:blue")
        labels = [f"{v:,.0f}" if v >= 1000 else f"{v:,.3g}" for v in values.values()]
        ax.bar_label(bars, labels=labels, padding=4)  # 1,850, not 1.85e+03
        _finish_bars(fig, ax, list(values), title, ylabel)
    return detached(fig)


def bar_groups(
    panels: Mapping[str, Mapping[str, Mapping[str, float]]],
    title: str,
    *,
    ylabel: str,
    value_format: str = "{:,.3g}",
) -> Figure:
    """Grouped bars: a panel per key, a group per x label, a colour per series, each labelled.

    panels maps a panel's title ("" for none) to {group label: {series: value}}; every group
    has the same series, in the same order, and the legend below the panels names them once.
    """
    if not panels or not all(panels.values()):
        raise ValueError("panels is empty: pass at least one panel with one group")
    series = list(next(iter(next(iter(panels.values())).values())))
    for panel, groups in panels.items():
        for group, values in groups.items():
            if list(values) != series:
                raise ValueError(f"{panel!r}, {group!r}: series {list(values)}, not {series}")
    width = 0.8 / len(series)
    with plt.style.context(COURSE_STYLE):
        size = (max(10.0, 5.5 * len(panels)), 5.5)
        fig, axes = plt.subplots(1, len(panels), figsize=size, sharey=True, squeeze=False)
        for ax, (panel, groups) in zip(axes[0], panels.items(), strict=True):
            for index, name in enumerate(series):
                offsets = [g + (index - (len(series) - 1) / 2) * width for g in range(len(groups))]
                heights = [groups[group][name] for group in groups]
                bars = ax.bar(offsets, heights, width, label=name, color=f"C{index}")
                ax.bar_label(bars, labels=[value_format.format(h) for h in heights], padding=3)
            ax.set_xticks(range(len(groups)), labels=list(groups))
            ax.set_title(panel)
            ax.grid(axis="x", visible=False)
            ax.margins(y=0.15)
        axes[0][0].set_ylabel(ylabel)
        handles, labels = axes[0][0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncols=len(series), frameon=False)
        fig.suptitle(title)
        fig.tight_layout(rect=(0, 0.08, 1, 1))  # the legend below the panels, clear of the bars
    return detached(fig)


def line_timings(
    sizes: Sequence[float],
    series: Mapping[str, Sequence[float]],
    title: str,
    *,
    xlabel: str,
    ylabel: str,
    log: bool = False,
) -> Figure:
    """Line chart of a measure against problem size, one line per series."""
    _check_series(sizes, {"series": series})
    with plt.style.context(COURSE_STYLE):
        fig, ax = plt.subplots()
        for label, values in series.items():
            ax.plot(sizes, values, marker="o", label=label)
        if log:
            ax.set(xscale="log", yscale="log")
        _finish_lines(fig, ax, title, xlabel, ylabel)
    return detached(fig)


def line_scaling(
    sizes: Sequence[float],
    measured: Mapping[str, Sequence[float | None]],
    title: str,
    *,
    xlabel: str,
    ylabel: str,
    extrapolated: Mapping[str, Sequence[float | None]] | None = None,
) -> Figure:
    """Log-log lines against size: measured solid, extrapolated dashed and so labelled.

    None marks a size without a value. An extrapolated series shares its measured series' colour.
    """
    extrapolated = extrapolated or {}
    _check_series(sizes, {"measured": measured, "extrapolated": extrapolated})
    unknown = set(extrapolated) - set(measured)
    if unknown:
        raise ValueError(f"extrapolated series without a measured one: {sorted(unknown)}")

    def points(values: Sequence[float | None]) -> list[float]:
        return [float("nan") if value is None else value for value in values]

    with plt.style.context(COURSE_STYLE):
        fig, ax = plt.subplots()
        for index, (label, values) in enumerate(measured.items()):
            colour = f"C{index}"
            ax.plot(sizes, points(values), marker="o", color=colour, label=f"{label} (measured)")
            if label in extrapolated:  # dashed, under the measured points where the two meet
                values, name = points(extrapolated[label]), f"{label} (extrapolated)"
                ax.plot(sizes, values, "o--", color=colour, mfc="white", label=name, zorder=1.5)
        ax.set(xscale="log", yscale="log")
        plain = FuncFormatter(lambda value, _: f"{value:,g}")
        ax.xaxis.set_major_formatter(plain)
        ax.yaxis.set_major_formatter(plain)
        _finish_lines(fig, ax, title, xlabel, ylabel)
    return detached(fig)


def line_cumulative(
    times: Sequence[float],
    title: str,
    *,
    limit: tuple[float, float] | None = None,
    xlabel: str,
    ylabel: str,
) -> Figure:
    """Step line of how many events happened by each moment, from the first one.

    limit=(burst, rate) adds the line a rate limit allows: burst + rate x elapsed seconds.
    """
    if len(times) == 0:
        raise ValueError("times is empty: pass at least one moment")
    if limit is not None and not (limit[0] >= 0 and limit[1] > 0):
        raise ValueError(f"limit must be (burst >= 0, rate > 0), got {limit!r}")
    origin = min(times)
    elapsed = sorted(time - origin for time in times)
    with plt.style.context(COURSE_STYLE):
        fig, ax = plt.subplots()
        ax.step(elapsed, range(1, len(elapsed) + 1), where="post", label="measured")
        if limit is not None:
            burst, rate = limit
            end = elapsed[-1]
            label = f"the limit: {burst:g} + {rate:g} a second"
            ax.plot([0, end], [burst, burst + rate * end], "k--", linewidth=1.5, label=label)
        ax.set_xlim(left=0)
        ax.set_ylim(bottom=0)
        _finish_lines(fig, ax, title, xlabel, ylabel)
    return detached(fig)


def line_steps(
    series: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    title: str,
    *,
    xlabel: str,
    ylabel: str,
) -> Figure:
    """Step lines of a level against time, one per series of (times, levels).

    Each level holds from its time until the next one, as a queue's length does between a put
    and a get.
    """
    if not series:
        raise ValueError("series is empty: pass at least one label -> (times, levels)")
    for label, (times, levels) in series.items():
        if len(times) == 0 or len(times) != len(levels):
            raise ValueError(
                f"series[{label!r}] needs as many levels as times, at least one: "
                f"got {len(times)} times and {len(levels)} levels"
            )
    with plt.style.context(COURSE_STYLE):
        fig, ax = plt.subplots()
        for label, (times, levels) in series.items():
            ax.step(times, levels, where="post", label=label)
        ax.set_xlim(left=0)
        ax.set_ylim(bottom=0)
        _finish_lines(fig, ax, title, xlabel, ylabel)
    return detached(fig)


def bar_ratios(ratios: Mapping[str, float], title: str, *, xlabel: str, ylabel: str) -> Figure:
    """Horizontal bars of ratios on a log scale, labelled, a line at 1x; ylabel names the rows."""
    if not ratios:
        raise ValueError("ratios is empty: pass at least one label -> ratio")
    bad = {label: value for label, value in ratios.items() if not value > 0}
    if bad:
        raise ValueError(f"ratios must be positive for a log scale, got {bad}")
    labels = list(ratios)[::-1]  # the first label on top
    values = [ratios[label] for label in labels]
    with plt.style.context(COURSE_STYLE):
        fig, ax = plt.subplots(figsize=(11, 1.6 + 0.75 * len(labels)))
        # each bar starts at 1x, so a ratio below 1 points left
        bars = ax.barh(labels, [v - 1 for v in values], left=1, color="tab:blue", height=0.6)
        ax.bar_label(
            bars, labels=[f"{v:.1f}x" if v < 10 else f"{v:,.0f}x" for v in values], padding=4
        )
        ax.axvline(1, color="black", linewidth=1.5)
        ax.set_xscale("log")
        ax.set_xlim(min(0.5, *values) / 4, max(2.0, *values) * 3)  # room for the labels
        ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,g}x"))
        ax.xaxis.set_minor_formatter(NullFormatter())  # under two decades, 2 x 10^-1 and so on
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.grid(axis="y", visible=False)
        fig.tight_layout()
    return detached(fig)


def _check_series(sizes: Sequence[float], kinds: Mapping[str, Mapping[str, Sequence]]) -> None:
    """Raise ValueError unless there are sizes, a first series, and a value per size in each."""
    if len(sizes) == 0:
        raise ValueError("sizes is empty: pass at least one problem size")
    first = next(iter(kinds))
    if not kinds[first]:
        raise ValueError(f"{first} is empty: pass at least one label -> values")
    for kind, series in kinds.items():
        for label, values in series.items():
            if len(values) != len(sizes):
                raise ValueError(
                    f"{kind}[{label!r}] has {len(values)} values but sizes has {len(sizes)}"
                )


def _finish_lines(fig: Figure, ax: Axes, title: str, xlabel: str, ylabel: str) -> None:
    """Axis labels, title and legend shared by the line charts."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()


def _finish_bars(fig: Figure, ax: Axes, labels: Sequence[str], title: str, ylabel: str) -> None:
    """Title, axis label and spacing shared by the vertical bar charts."""
    if sum(len(label) for label in labels) > 60:  # slant labels that would run into each other
        ax.tick_params(axis="x", labelrotation=25)
        for text in ax.get_xticklabels():
            text.set_horizontalalignment("right")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(axis="x", visible=False)
    ax.margins(y=0.15)
    fig.tight_layout()


def detached(fig: Figure) -> Figure:
    """Close fig in pyplot so Jupyter shows it once, as the value of the cell that made it."""
    plt.close(fig)
    return fig


def _seconds(value: float) -> str:
    if value >= 1:
        return f"{value:.2f} s"
    if value >= 1e-3:
        return f"{value * 1e3:.0f} ms"
    return f"{value * 1e6:.0f} µs"
