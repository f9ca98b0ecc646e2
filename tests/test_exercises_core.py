"""Tests for helpers.exercises: an untouched exercise is not an error; a mistake is named."""

import pytest

from helpers.exercises import NOT_ATTEMPTED, Mistake, answer, passed


def test_answer_missing_says_what_to_define(capsys):
    assert answer({}, "fetch_all", "async def fetch_all(latencies)") is None
    out = capsys.readouterr().out
    assert out.startswith(NOT_ATTEMPTED)
    assert "async def fetch_all(latencies)" in out


def test_answer_found_prints_nothing(capsys):
    def fetch_all():
        return None

    assert answer({"fetch_all": fetch_all}, "fetch_all", "fetch_all()") is fetch_all
    assert capsys.readouterr().out == ""


def test_passed_and_mistake(capsys):
    assert passed("all good") is True
    assert capsys.readouterr().out == "✓ all good\n"
    with pytest.raises(AssertionError, match="the lock"):
        raise Mistake("the lock is held across the slow call")
