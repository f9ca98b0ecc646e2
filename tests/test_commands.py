import argparse
import asyncio
import threading

import pytest

from helpers.bench.__main__ import main
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


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["cpu", "--numbers", "0"], "argument --numbers: must be at least 1, got 0"),
        (["cpu", "--start", "-1"], "argument --start: must be at least 0, got -1"),
        (["cpu", "--workers", "0"], "argument --workers: must be at least 1, got 0"),
        (["cpu", "--repeat", "0"], "argument --repeat: must be at least 1, got 0"),
        (["cpu", "--repeat", "two"], "argument --repeat: must be an integer, got 'two'"),
        (["cpu", "--start-method", "thread"], "argument --start-method: invalid choice"),
        (["cpu", "--strategy", "gpu"], "argument --strategy: invalid choice: 'gpu'"),
        (["io", "--requests", "0"], "argument --requests: must be at least 1, got 0"),
        (["io", "--requests", "ten"], "argument --requests: must be an integer, got 'ten'"),
        (["io", "--latency", "-0.1"], "argument --latency: must be at least 0.0, got -0.1"),
        (["io", "--latency", "0.1,slow"], "argument --latency: must be a number, got 'slow'"),
        (["io", "--latency", "nan"], "argument --latency: must be at least 0.0, got nan"),
        (["io", "--concurrency", "10,0"], "argument --concurrency: must be at least 1, got 0"),
        (["io", "--model", "gevent"], "argument --model: invalid choice: 'gevent'"),
        (["io", "--repeat", "0"], "argument --repeat: must be at least 1, got 0"),
        (["io", "--sequential", "-1"], "argument --sequential: must be at least 0, got -1"),
    ],
)
def test_cli_rejects_bad_arguments_at_once(args, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


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
