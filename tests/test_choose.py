import pytest

from helpers.lessons.choose import choose_model


@pytest.mark.parametrize(
    ("bound", "slow_io", "model"),
    [("io", True, "asyncio"), ("io", False, "threads"), ("cpu", False, "processes")],
)
def test_the_articles_rule(bound, slow_io, model):
    assert choose_model(bound, slow_io=slow_io) == model


def test_fast_io_is_the_default():
    assert choose_model("io") == "threads"


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "message"),
    [
        (("network",), {}, ValueError, 'bound must be "io" or "cpu"'),
        (("io",), {"slow_io": "yes"}, TypeError, "slow_io must be True or False"),
        (("cpu",), {"slow_io": True}, ValueError, "slow_io describes I/O-bound work"),
    ],
)
def test_bad_input_is_a_clear_error(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        choose_model(*args, **kwargs)
