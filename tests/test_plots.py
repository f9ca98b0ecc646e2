import importlib.resources

import matplotlib
import matplotlib.pyplot as plt
import pytest

from helpers.measure.plots import (
    bar_ratios,
    bar_timings,
    bar_values,
    line_scaling,
    line_steps,
    line_timings,
    use_course_style,
)
from helpers.measure.timing import Timing


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_bar_timings_draws_median_with_min_max_whiskers():
    fig = bar_timings(
        {"sequential": Timing((3.0, 2.0, 4.0)), "asyncio": Timing((1.0,))}, title="asyncio wins"
    )
    (ax,) = fig.axes
    heights = [bar.get_height() for bar in ax.patches]
    assert heights == [3.0, 1.0]
    assert ax.get_title() == "asyncio wins"
    assert "(s)" in ax.get_ylabel()
    assert [t.get_text() for t in ax.texts] == ["3.00 s", "1.00 s"]


def test_bar_timings_rejects_an_empty_result_set():
    with pytest.raises(ValueError, match="timings is empty"):
        bar_timings({}, title="nothing")
    assert plt.get_fignums() == []


def test_line_timings_plots_each_series():
    fig = line_timings(
        [10, 100, 1000],
        {"threads": [0.1, 0.2, 0.9], "asyncio": [0.1, 0.1, 0.2]},
        title="asyncio scales",
        xlabel="requests",
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
        line_timings(sizes, series, title="t", xlabel="x")
    assert plt.get_fignums() == []


def test_use_course_style_sets_projector_fonts():
    with plt.rc_context():
        use_course_style()
        assert plt.rcParams["font.size"] >= 14


def test_every_text_of_a_chart_is_14_points_or_larger():
    """The instructor's guide promises 14-point text or larger: ticks, legends, labels, titles."""
    with plt.rc_context():
        plt.style.use("default")
        fig = line_timings([1, 2], {"a": [1.0, 2.0]}, title="t", xlabel="x")
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


def test_charts_are_not_left_open_in_pyplot():
    bar_values({"a": 1.0}, title="t", ylabel="y")
    bar_timings({"a": Timing((1.0,))}, title="t")
    assert plt.get_fignums() == []


def test_line_scaling_draws_measured_solid_and_extrapolated_dashed():
    fig = line_scaling(
        [10, 100, 1000],
        {"sequential": [1.0, None, None], "asyncio": [0.1, 0.1, 0.3]},
        "asyncio scales",
        xlabel="requests",
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
        line_scaling([1, 2], measured, "t", xlabel="x", extrapolated=extrapolated)
    assert plt.get_fignums() == []


def test_bar_ratios_start_at_one_and_label_each_bar():
    fig = bar_ratios({"slow I/O": 3.9, "fast I/O": 0.7, "RAM": 15.0}, "rule wins", xlabel="ratio")
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.texts] == ["15x", "0.7x", "3.9x"]  # top label first drawn last
    assert {round(bar.get_x(), 6) for bar in ax.patches} == {1.0}
    assert ax.get_xscale() == "log"


@pytest.mark.parametrize(("ratios", "message"), [({}, "ratios is empty"), ({"a": 0.0}, "positive")])
def test_bar_ratios_rejects_bad_input(ratios, message):
    with pytest.raises(ValueError, match=message):
        bar_ratios(ratios, "t", xlabel="x")


def test_bar_values_writes_thousands_in_full():
    fig = bar_values({"asyncio": 1850.3, "threads": 741.2}, title="t", ylabel="requests/s")
    assert [t.get_text() for t in fig.axes[0].texts] == ["1,850", "741"]


def test_line_cumulative_counts_events_against_the_limit():
    from helpers.measure.plots import line_cumulative

    fig = line_cumulative([10.0, 10.5, 10.2, 11.0], title="4 requests", limit=(2, 3))
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
        line_cumulative([], title="t")
    with pytest.raises(ValueError, match="limit must be"):
        line_cumulative([1.0], title="t", limit=(1, 0))
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
