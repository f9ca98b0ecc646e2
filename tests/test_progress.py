import io

import pytest

from helpers.measure.progress import ProgressLine


def test_redraws_only_at_each_step_and_ends_the_line():
    out = io.StringIO()
    with ProgressLine(10, "files", steps=5, width=10, file=out) as progress:
        for _ in range(10):
            progress.advance()
    frames = out.getvalue().split("\r")[1:]
    assert frames[:6] == [
        "files [..........] 0/10",
        "files [##........] 2/10",
        "files [####......] 4/10",
        "files [######....] 6/10",
        "files [########..] 8/10",
        "files [##########] 10/10",
    ]
    assert frames[6].startswith("files [##########] 10/10 in ")
    assert frames[6].endswith(" s\n")
    assert len(frames) == 7


def test_output_is_the_same_whatever_the_batch_sizes():
    def draw(batches: list[int]) -> list[str]:
        out = io.StringIO()
        with ProgressLine(1_000, file=out) as progress:
            for batch in batches:
                progress.advance(batch)
        return out.getvalue().split("\r")[1:-1]  # the last frame adds the elapsed time

    tenths = [f"done [{'###' * k}{'...' * (10 - k)}] {100 * k:,}/1,000" for k in range(11)]
    assert draw([1] * 1_000) == tenths
    assert draw([100] * 10) == tenths
    assert draw([50] * 20) == tenths
    assert draw([1_000]) == [tenths[0], tenths[-1]]


@pytest.mark.parametrize("kwargs", [{"total": 0}, {"total": 5, "steps": 0}, {"total": True}])
def test_bad_sizes_are_named(kwargs):
    name = next(key for key in ("steps", "total") if key in kwargs and kwargs[key] in (0, True))
    with pytest.raises(ValueError, match=name):
        ProgressLine(**kwargs)
