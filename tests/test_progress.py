import asyncio
import io

import pytest

from helpers.measure import progress
from helpers.measure.progress import course_bar_options, tqdm


def frames(out: io.StringIO) -> list[str]:
    return out.getvalue().split("\r")[1:]


def draw(batches: list[int], total: int = 1_000, steps: int = 10) -> list[str]:
    out = io.StringIO()
    with tqdm(desc="done", **{**course_bar_options(total, steps), "file": out}) as bar:
        for batch in batches:
            bar.update(batch)
    return frames(out)


def test_redraws_only_at_each_step_and_ends_the_line():
    assert draw([1] * 10, total=10, steps=5) == [
        "done [..............................] 0/10",
        "done [######........................] 2/10",
        "done [############..................] 4/10",
        "done [##################............] 6/10",
        "done [########################......] 8/10",
        "done [##############################] 10/10",
        "done [##############################] 10/10\n",
    ]


def test_output_is_the_same_whatever_the_batch_sizes():
    tenths = [f"done [{'###' * k}{'...' * (10 - k)}] {100 * k:,}/1,000" for k in range(11)]
    expected = [*tenths, tenths[-1] + "\n"]
    assert draw([1] * 1_000) == expected
    assert draw([100] * 10) == expected
    assert draw([50] * 20) == expected


def test_gather_shows_progress_and_keeps_the_order(monkeypatch):
    out = io.StringIO()
    monkeypatch.setattr(progress.sys, "stdout", out)

    async def late(n: int) -> int:
        await asyncio.sleep(0.001 * (n % 5))
        return n

    async def main() -> list[int]:
        return await tqdm.gather(
            *(late(n) for n in range(40)), desc="done", **course_bar_options(40)
        )

    assert asyncio.run(main()) == list(range(40))
    assert [frame.split("] ")[1] for frame in frames(out)] == [
        *(f"{n}/40" for n in range(0, 41, 4)),
        "40/40\n",
    ]


def test_no_monitor_thread_redraws_on_a_timer():
    with tqdm(**{**course_bar_options(5), "file": io.StringIO()}):
        assert tqdm.monitor is None


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [({"total": 0}, "total"), ({"total": 5, "steps": 0}, "steps"), ({"total": True}, "total")],
)
def test_bad_sizes_are_named(kwargs, name):
    with pytest.raises(ValueError, match=name):
        course_bar_options(**kwargs)
