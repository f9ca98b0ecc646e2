import argparse
import asyncio
import threading

import pytest

from helpers.bench.commands import at_least, run_coroutine


def test_at_least_parses_integers_and_floats():
    assert at_least(1)("3") == 3
    assert at_least(0.0, float)("0.25") == 0.25


@pytest.mark.parametrize(
    ("parse", "text", "message"),
    [
        (at_least(1), "0", "must be at least 1, got 0"),
        (at_least(1), "1.5", "must be an integer, got '1.5'"),
        (at_least(0.0, float), "-1", "must be at least 0.0, got -1"),
        (at_least(0.0, float), "nan", "must be at least 0.0, got nan"),
        (at_least(0.0, float), "soon", "must be a number, got 'soon'"),
    ],
)
def test_at_least_names_what_is_wrong(parse, text, message):
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        parse(text)


async def _where() -> str:
    await asyncio.sleep(0)
    return threading.current_thread().name


def test_run_coroutine_without_a_loop_runs_here():
    assert run_coroutine(_where()) == threading.current_thread().name


def test_run_coroutine_inside_a_running_loop_uses_another_thread():
    async def cell_in_jupyter() -> str:
        return run_coroutine(_where())

    outer = threading.current_thread().name
    assert asyncio.run(cell_in_jupyter()) != outer
