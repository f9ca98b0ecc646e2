import importlib.resources
import inspect
import math

import matplotlib
import matplotlib.pyplot as plt
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure

from helpers.measure.gantt import gantt
from helpers.measure.plots import (
    bar_groups,
    bar_ratios,
    bar_timings,
    bar_timings_panels,
    bar_values,
    line_cumulative,
    line_scaling,
    line_steps,
    line_timings,
    use_course_style,
)
from helpers.measure.timeline import Record, Timeline
from helpers.measure.timing import Timing


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_bar_timings_draws_median_with_min_max_whiskers():
    fig = bar_timings(
        {"sequential": Timing((3.0, 2.0, 4.0)), "asyncio": Timing((1.0,))},
        title="asyncio wins",
        ylabel="time for 3 requests (s)",
    )
    (ax,) = fig.axes
    heights = [bar.get_height() for bar in ax.patches]
    assert heights == [3.0, 1.0]
    assert ax.get_title() == "asyncio wins"
    assert ax.get_ylabel() == "time for 3 requests (s)"
    assert [t.get_text() for t in ax.texts] == ["3.00 s", "1.00 s"]
    (whiskers,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    spans = [sorted(y for _, y in segment) for segment in whiskers.get_segments()]
    assert spans == [[2.0, 4.0], [1.0, 1.0]]  # the fastest to the slowest run
    assert ax.get_xlabel() == "bar: the median run; whiskers: the fastest to the slowest run"


def test_bar_timings_panels_draw_each_workload_on_its_own_scale_under_one_title():
    fig = bar_timings_panels(
        {
            "small": {"loop": Timing((1.0,)), "pool": Timing((0.5,))},
            "large": {"loop": Timing((20.0,))},
        },
        title="the pool halves both",
        ylabel="time (s)",
    )
    small, large = fig.axes
    assert [bar.get_height() for bar in small.patches] == [1.0, 0.5]
    assert [bar.get_height() for bar in large.patches] == [20.0]
    assert (small.get_title(), large.get_title()) == ("small", "large")
    assert fig._suptitle.get_text() == "the pool halves both"
    assert small.get_ylabel() == large.get_ylabel() == "time (s)"
    assert small.get_xlabel() == large.get_xlabel() != ""  # what the whiskers are, in each
    with pytest.raises(ValueError, match="at least one panel"):
        bar_timings_panels({"empty": {}}, title="t", ylabel="y")


def test_bar_timings_rejects_an_empty_result_set():
    with pytest.raises(ValueError, match="timings is empty"):
        bar_timings({}, title="nothing", ylabel="s")
    assert plt.get_fignums() == []


def test_line_timings_plots_each_series():
    fig = line_timings(
        [10, 100, 1000],
        {"threads": [0.1, 0.2, 0.9], "asyncio": [0.1, 0.1, 0.2]},
        title="asyncio scales",
        xlabel="requests",
        ylabel="time (s)",
        log=True,
    )
    (ax,) = fig.axes
    assert [line.get_label() for line in ax.get_lines()] == ["threads", "asyncio"]
    assert ax.get_xscale() == "log"
    assert ax.get_xlabel() == "requests"


@pytest.mark.parametrize(
    ("sizes", "series", "message"),
    [
        ([], {"a": []}, "sizes is empty"),
        ([1, 2], {}, "series is empty"),
        ([1, 2], {"a": [1.0]}, r"series\['a'\] has 1 values but sizes has 2"),
    ],
)
def test_line_timings_rejects_bad_input(sizes, series, message):
    with pytest.raises(ValueError, match=message):
        line_timings(sizes, series, title="t", xlabel="x", ylabel="y")
    assert plt.get_fignums() == []


def test_use_course_style_sets_projector_fonts():
    with plt.rc_context():
        use_course_style()
        assert plt.rcParams["font.size"] >= 14


def test_every_text_of_a_chart_is_14_points_or_larger():
    """The instructor's guide promises 14-point text or larger: ticks, legends, labels, titles."""
    with plt.rc_context():
        plt.style.use("default")
        fig = line_timings([1, 2], {"a": [1.0, 2.0]}, title="t", xlabel="x", ylabel="y")
    (ax,) = fig.axes
    texts = [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.get_legend().get_texts()]
    texts += ax.get_xticklabels() + ax.get_yticklabels()
    assert min(text.get_fontsize() for text in texts) >= 14


def test_the_style_is_a_style_sheet_shipped_in_the_package():
    sheet = importlib.resources.files("helpers.measure") / "course.mplstyle"
    assert sheet.is_file()
    assert matplotlib.rc_params_from_file(str(sheet), use_default_template=False)["font.size"] == 14


def test_charts_use_the_style_sheet_without_use_course_style():
    with plt.rc_context():
        plt.style.use("default")
        fig = bar_values({"a": 1.0}, title="t", ylabel="y")
    assert tuple(fig.get_size_inches()) == (10, 5.5)
    assert fig.axes[0].title.get_fontsize() == 16


def test_bar_values_labels_each_bar():
    fig = bar_values({"thread": 14.0, "task": 0.96}, title="threads cost more", ylabel="RAM (KiB)")
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.texts] == ["14", "0.96"]
    assert ax.get_ylabel() == "RAM (KiB)"


def test_bar_values_rejects_an_empty_result_set():
    with pytest.raises(ValueError, match="values is empty"):
        bar_values({}, title="nothing", ylabel="x")


def test_bar_groups_draws_a_panel_per_key_and_a_labelled_bar_per_series():
    panels = {
        "hashing": {
            "1 thread": {"speed-up": 1.0, "parallelism": 1.0},
            "2": {"speed-up": 1.8, "parallelism": 1.9},
        },
        "sum": {
            "1 thread": {"speed-up": 1.0, "parallelism": 1.0},
            "2": {"speed-up": 1.0, "parallelism": 1.0},
        },
    }
    fig = bar_groups(panels, "hashing scales", ylabel="x", value_format="{:.1f}x")
    left, right = fig.axes
    assert [left.get_title(), right.get_title()] == ["hashing", "sum"]
    assert [t.get_text() for t in left.texts] == ["1.0x", "1.8x", "1.0x", "1.9x"]
    assert [t.get_text() for t in left.get_xticklabels()] == ["1 thread", "2"]
    assert left.get_ylabel() == "x" and fig._suptitle.get_text() == "hashing scales"
    (legend,) = fig.legends  # one, below the panels
    assert [t.get_text() for t in legend.get_texts()] == ["speed-up", "parallelism"]


def test_bar_groups_rejects_groups_with_other_series():
    with pytest.raises(ValueError, match="series"):
        bar_groups({"": {"a": {"x": 1.0}, "b": {"y": 2.0}}}, "t", ylabel="y")
    with pytest.raises(ValueError, match="panels is empty"):
        bar_groups({}, "t", ylabel="y")


def test_charts_are_not_left_open_in_pyplot():
    bar_values({"a": 1.0}, title="t", ylabel="y")
    bar_timings({"a": Timing((1.0,))}, title="t", ylabel="y")
    assert plt.get_fignums() == []


def test_line_scaling_draws_measured_solid_and_extrapolated_dashed():
    fig = line_scaling(
        [10, 100, 1000],
        {"sequential": [1.0, None, None], "asyncio": [0.1, 0.1, 0.3]},
        "asyncio scales",
        xlabel="requests",
        ylabel="time (s)",
        extrapolated={"sequential": [1.0, 10.0, 100.0]},
    )
    (ax,) = fig.axes
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert list(lines) == [
        "sequential (measured)", "sequential (extrapolated)", "asyncio (measured)"
    ]  # fmt: skip
    assert lines["sequential (extrapolated)"].get_linestyle() == "--"
    assert lines["sequential (measured)"].get_linestyle() == "-"
    assert (
        lines["sequential (extrapolated)"].get_color() == lines["sequential (measured)"].get_color()
    )
    assert (ax.get_xscale(), ax.get_yscale()) == ("log", "log")


@pytest.mark.parametrize(
    ("measured", "extrapolated", "message"),
    [
        ({}, None, "measured is empty"),
        ({"a": [1.0]}, None, r"measured\['a'\] has 1 values but sizes has 2"),
        ({"a": [1.0, 2.0]}, {"a": [1.0]}, r"extrapolated\['a'\] has 1 values"),
        ({"a": [1.0, 2.0]}, {"b": [1.0, 2.0]}, "extrapolated series without a measured one"),
    ],
)
def test_line_scaling_rejects_bad_input(measured, extrapolated, message):
    with pytest.raises(ValueError, match=message):
        line_scaling([1, 2], measured, "t", xlabel="x", ylabel="y", extrapolated=extrapolated)
    assert plt.get_fignums() == []


def test_bar_ratios_start_at_one_and_label_each_bar():
    ratios = {"slow I/O": 3.9, "fast I/O": 0.7, "RAM": 15.0}
    fig = bar_ratios(ratios, "rule wins", xlabel="ratio", ylabel="question")
    (ax,) = fig.axes
    assert ax.get_ylabel() == "question"
    assert [t.get_text() for t in ax.texts] == ["15x", "0.7x", "3.9x"]  # top label first drawn last
    assert {round(bar.get_x(), 6) for bar in ax.patches} == {1.0}
    assert ax.get_xscale() == "log"


def test_bar_ratios_label_no_minor_ticks_on_a_narrow_axis():
    fig = bar_ratios({"slow I/O": 1.6, "fast I/O": 0.4}, "t", xlabel="ratio", ylabel="question")
    fig.canvas.draw()  # under two decades matplotlib would label 2 x 10^-1, 3 x 10^-1...
    assert {label.get_text() for label in fig.axes[0].get_xticklabels(minor=True)} == {""}


@pytest.mark.parametrize(("ratios", "message"), [({}, "ratios is empty"), ({"a": 0.0}, "positive")])
def test_bar_ratios_rejects_bad_input(ratios, message):
    with pytest.raises(ValueError, match=message):
        bar_ratios(ratios, "t", xlabel="x", ylabel="y")


def test_bar_values_writes_thousands_in_full():
    fig = bar_values({"asyncio": 1850.3, "threads": 741.2}, title="t", ylabel="requests/s")
    assert [t.get_text() for t in fig.axes[0].texts] == ["1,850", "741"]


def test_line_cumulative_counts_events_against_the_limit():
    words = {"xlabel": "time since the first request (s)", "ylabel": "requests started"}
    fig = line_cumulative([10.0, 10.5, 10.2, 11.0], title="4 requests", limit=(2, 3), **words)
    (ax,) = fig.axes
    measured, limit = ax.lines
    assert list(measured.get_ydata()) == [1, 2, 3, 4]
    assert list(measured.get_xdata()) == pytest.approx([0, 0.2, 0.5, 1.0])
    assert list(limit.get_ydata()) == [2, 5]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "measured",
        "the limit: 2 + 3 a second",
    ]
    assert ax.get_xlabel() == "time since the first request (s)"
    with pytest.raises(ValueError, match="times is empty"):
        line_cumulative([], title="t", **words)
    with pytest.raises(ValueError, match="limit must be"):
        line_cumulative([1.0], title="t", limit=(1, 0), **words)
    assert plt.get_fignums() == []


def test_line_steps_draws_each_series_as_steps():
    fig = line_steps(
        {"bounded": ([0, 0.1, 0.2], [1, 2, 1]), "unbounded": ([0, 0.3], [1, 5])},
        title="a bound holds the depth",
        xlabel="time (s)",
        ylabel="items",
    )
    (ax,) = fig.axes
    assert [line.get_label() for line in ax.get_lines()] == ["bounded", "unbounded"]
    assert ax.get_lines()[0].get_drawstyle() == "steps-post"
    assert ax.get_ylabel() == "items"


@pytest.mark.parametrize(
    ("series", "message"),
    [({}, "series is empty"), ({"a": ([0, 1], [1])}, r"series\['a'\] needs as many levels")],
)
def test_line_steps_rejects_bad_input(series, message):
    with pytest.raises(ValueError, match=message):
        line_steps(series, title="t", xlabel="x", ylabel="y")
    assert plt.get_fignums() == []


CHARTS = (
    bar_timings,
    bar_timings_panels,
    bar_values,
    bar_ratios,
    line_timings,
    line_scaling,
    line_cumulative,
)


@pytest.mark.parametrize("chart", [*CHARTS, line_steps, gantt, Timeline.plot])
def test_every_chart_needs_a_title_and_a_y_label_in_its_own_words(chart):
    parameters = inspect.signature(chart).parameters
    assert parameters["title"].default is inspect.Parameter.empty
    assert parameters["ylabel"].default is inspect.Parameter.empty
    assert parameters["ylabel"].kind is inspect.Parameter.KEYWORD_ONLY


def bars(ax: Axes) -> int:
    return sum(len(c.get_paths()) for c in ax.collections if isinstance(c, PolyCollection))


def legend_labels(fig: Figure) -> list[str]:
    (legend,) = fig.legends
    return [text.get_text() for text in legend.get_texts()]


def test_timeline_plot_refuses_to_draw_without_a_y_label():
    tl = Timeline()
    tl.add(Record("fetch 1", 0.0, 0.1, "waiting"))
    with pytest.raises(TypeError, match="ylabel"):
        tl.plot("a fetch waits")  # type: ignore[call-arg]
    for blank in ("", "  "):
        with pytest.raises(ValueError, match="ylabel must say what a row is"):
            tl.plot("a fetch waits", ylabel=blank)
    assert plt.get_fignums() == []
    assert tl.plot("a fetch waits", ylabel="fetch").axes[0].get_ylabel() == "fetch"
    words = "fetch, one that asks the server for a page"
    lines = tl.plot("a fetch waits", ylabel=words).axes[0].get_ylabel().splitlines()
    assert len(lines) > 1 and " ".join(lines) == words  # wrapped to fit a small chart


def test_the_charts_words_reach_the_legend_and_unnamed_states_claim_no_cause():
    tl = Timeline()
    tl.add(Record("fetch 1", 0.0, 0.1, "waiting"))
    tl.add(Record("fetch 2", 0.0, 0.1, "queued"))
    tl.add(Record("fetch 2", 0.1, 0.2, "waiting"))
    tl.add(Record("nap", 0.0, 0.1, "ready"))
    words = {
        "waiting": "in flight (awaiting the reply)",
        "queued": "queued for a pooled connection",
    }
    fig = tl.plot("one fetch queued", ylabel="fetch", labels=words)  # type: ignore[arg-type]
    assert legend_labels(fig) == [words["waiting"], "ready to resume", words["queued"]]
    neutral = legend_labels(tl.plot("one fetch queued", ylabel="fetch"))
    assert neutral == ["waiting", "ready to resume", "queued"]
    with pytest.raises(ValueError, match="labels must map states"):
        tl.plot("t", ylabel="fetch", labels={"sleeping": "asleep"})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="labels must map states"):
        tl.plot("t", ylabel="fetch", labels={"waiting": ""})


def test_a_legend_of_one_entry_is_left_out_unless_the_chart_named_it():
    tl = Timeline()
    tl.add(Record("worker 1", 0.0, 0.1))
    tl.add(Record("worker 2", 0.0, 0.2))
    assert tl.plot("two workers ran", ylabel="worker").legends == []
    worded = tl.plot("two workers ran", ylabel="worker", labels={"running": "computing"})
    assert legend_labels(worded) == ["computing"]  # the chart's own word is shown, even alone
    tl.add(Record("worker 3", 0.0, 0.2, outcome="error"))  # a failure mark needs its entry
    assert legend_labels(tl.plot("one failed", ylabel="worker")) == [
        "running",
        "raised an exception",
        "moment of failure",
    ]


def test_touching_bars_of_one_row_are_parted_and_counted():
    tl = Timeline()
    for start in (0.0, 0.1, 0.2):  # three sums back to back on worker 1
        tl.add(Record("worker 1", start, start + 0.1))
    tl.add(Record("worker 2", 0.0, 0.1))
    tl.add(Record("worker 2", 0.15, 0.25))  # apart: the gap shows them
    tl.add(Record("worker 3", 0.0, 0.1, "waiting"))
    tl.add(Record("worker 3", 0.1, 0.2))  # touching, but another colour
    fig = tl.plot("worker 1 took 3 sums", ylabel="worker", counts=True)
    (ax,) = fig.axes
    assert bars(ax) == 7
    (parts,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert [segment[0][0] for segment in parts.get_segments()] == pytest.approx([0.1, 0.2])
    assert {segment[0][1] for segment in parts.get_segments()} == {0 - 0.35}  # worker 1's row
    assert parts.get_colors()[0].tolist() == [1.0, 1.0, 1.0, 1.0]  # white
    assert [(t.get_text(), t.xy) for t in ax.texts] == [
        ("3", pytest.approx((0.3, 0))),
        ("2", pytest.approx((0.25, 1))),
        ("2", pytest.approx((0.2, 2))),
    ]
    assert ax.get_xlim()[1] > 0.3  # room for the counts
    assert len(tl.plot("no counts", ylabel="worker").axes[0].texts) == 0


def test_gantt_draws_one_bar_per_record_with_labels_and_legend():
    tl = Timeline()
    tl.add(Record("first", 100.0, 101.0))
    tl.add(Record("second", 100.5, 101.0, state="waiting"))
    tl.add(Record("second", 101.0, 102.0, outcome="error"))
    tl.add(Record("third", 100.2, 100.4, outcome="cancelled"))
    fig = tl.plot("second ends last", ylabel="request")
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    assert bars(ax) == 4
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("time (s)", "request")
    assert ax.get_title() == "second ends last"
    assert [label.get_text() for label in ax.get_yticklabels()] == ["first", "third", "second"]
    assert legend_labels(fig) == [
        "running",
        "waiting",
        "raised an exception",
        "cancelled",
        "moment of failure",
    ]
    assert next(iter(ax.lines)).get_xdata()[0] == 2.0  # "second" failed at 2 s
    assert min(path.vertices[:, 0].min() for c in ax.collections for path in c.get_paths()) == 0
    assert plt.get_fignums() == []


def test_gantt_until_sets_the_end_of_the_time_axis():
    tl = Timeline()
    tl.add(Record("short", 100.0, 100.1))
    assert tl.plot("stopped early", ylabel="download", until=0.3).axes[0].get_xlim() == (0, 0.3)
    for bad in (0, -1.0, math.nan):
        with pytest.raises(ValueError, match="until must be a number of seconds > 0"):
            tl.plot("bad", ylabel="download", until=bad)


def test_gantt_of_many_rows_hides_names_and_caps_height():
    tl = Timeline()
    for i in range(100):
        tl.add(Record(f"request {i}", 10.0 + i / 100, 10.5 + i / 100))
    fig = tl.plot("100 requests", ylabel="request")
    (ax,) = fig.axes
    assert bars(ax) == 100
    assert list(ax.get_yticks()) == []
    assert ax.get_ylabel() == "request: 100 rows (names hidden)"
    assert fig.get_figheight() <= 10


def test_failures_are_marked_at_the_moment_they_happened():
    tl = Timeline()
    tl.add(Record("fails", 0.0, 0.1, "waiting", "error"))
    tl.add(Record("cancelled", 0.0, 0.1, "waiting", "cancelled"))
    fig = tl.plot("one failed", ylabel="download", until=0.3)
    (ax,) = fig.axes
    assert {line.get_xdata()[0] for line in ax.lines} == {0.1}
    assert legend_labels(fig)[-1] == "moment of failure"
