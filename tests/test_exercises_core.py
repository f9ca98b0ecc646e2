"""Tests for helpers.exercises: untouched is silent, a mistake is named, stray errors are named,
predictions, bypasses."""

import asyncio
import hashlib
import json
from hashlib import sha256

import pytest

from helpers.exercises import NOT_ATTEMPTED, Mistake, NotAttempted, answer, passed, self_check
from helpers.exercises.bypass import referenced_names, refuse_references, tripwire
from helpers.exercises.predictions import compare, prediction


@self_check
def check_fetch_all(namespace: dict) -> bool:
    answer(namespace, "fetch_all", "async def fetch_all(latencies)")
    return passed("fetch_all is defined")


def test_answer_missing_ends_the_check_saying_what_to_define(capsys):
    with pytest.raises(NotAttempted, match="define async def fetch_all"):
        answer({}, "fetch_all", "async def fetch_all(latencies)")
    assert capsys.readouterr().out == ""
    assert check_fetch_all({}) is None
    assert capsys.readouterr().out == (
        f"{NOT_ATTEMPTED}: define async def fetch_all(latencies) in the cell above, "
        "then run this check again\n"
    )


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


# self_check: an error the learner's code raised, which the check let through


def learners_divide(n: int) -> float:
    return 1 / n


@self_check
def check_divide(namespace: dict) -> bool:
    return passed(f"divided: {namespace['divide'](0)}")


@self_check
async def check_divide_later(namespace: dict) -> bool:
    await asyncio.sleep(0)
    return passed(f"divided: {namespace['divide'](0)}")


STRAY = (
    r"your code raised ZeroDivisionError: division by zero "
    r"\(line \d+ of learners_divide: `return 1 / n`\)\. Fix that error"
)


def test_an_error_of_the_learners_code_becomes_a_mistake_naming_it_and_its_line():
    with pytest.raises(Mistake, match=STRAY):
        check_divide({"divide": learners_divide})
    with pytest.raises(Mistake, match=STRAY):
        asyncio.run(check_divide_later({"divide": learners_divide}))


def test_a_mistake_and_the_checks_own_errors_go_through_unchanged():
    def refuse(n: int) -> float:
        raise Mistake("divide by something else")

    with pytest.raises(Mistake, match=r"^divide by something else$"):
        check_divide({"divide": refuse})
    with pytest.raises(json.JSONDecodeError):  # raised through no code of the learner's
        self_check(json.loads)("{")


# predictions


def test_a_missing_prediction_is_not_attempted_and_shows_no_answer(capsys):
    assert self_check(lambda namespace: prediction(namespace, "PREDICTED_S"))({}) is None
    assert capsys.readouterr().out == (
        f"{NOT_ATTEMPTED}: write your prediction in PREDICTED_S first, then run this check again\n"
    )


@pytest.mark.parametrize("value", ["0.4", True, [0.4]])
def test_a_prediction_must_be_a_number(value):
    with pytest.raises(Mistake, match=r"PREDICTED_S = .*: write your prediction as a number"):
        prediction({"PREDICTED_S": value}, "PREDICTED_S")


def test_a_prediction_is_read_as_a_float(capsys):
    assert prediction({"PREDICTED_S": 2}, "PREDICTED_S") == 2.0
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    ("predicted", "measured", "within", "verdict"),
    [
        (0.45, 0.4, True, "within"),  # 12% off
        (0.6, 0.4, False, "outside"),  # 50% off: reported, not a Mistake
        (0.0, 0.0, True, "within"),
    ],
)
def test_compare_prints_the_prediction_beside_the_measurement(
    predicted, measured, within, verdict, capsys
):
    assert compare(predicted, measured, tolerance=0.25) is within
    assert capsys.readouterr().out == (
        f"you predicted {predicted:.2f} s, measured {measured:.2f} s: "
        f"{verdict} ±25% of the measurement\n"
    )


# bypass: the tripwire


def digest_through_the_module(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digest_swallowing_errors(data: bytes) -> str:
    try:
        return hashlib.sha256(data).hexdigest()
    except Exception:
        return "?"


def test_the_tripwire_catches_a_call_through_the_module_and_puts_it_back():
    original = hashlib.sha256
    with (
        pytest.raises(Mistake, match=r"calls hashlib\.sha256, which is what .*: hash it yourself"),
        tripwire(hashlib, "sha256", "hash it yourself"),
    ):
        digest_through_the_module(b"x")
    assert hashlib.sha256 is original


def test_the_tripwire_catches_a_call_the_answer_swallowed():
    with (
        pytest.raises(Mistake, match=r"calls hashlib\.sha256"),
        tripwire(hashlib, "sha256", "hash it yourself"),
    ):
        assert digest_swallowing_errors(b"x") == "?"
    assert hashlib.sha256 is sha256


def test_the_tripwire_puts_it_back_after_another_error():
    with pytest.raises(ZeroDivisionError), tripwire(hashlib, "sha256", "hash it yourself"):
        1 / 0  # noqa: B018
    assert hashlib.sha256 is sha256


def test_the_tripwire_lets_an_answer_that_does_not_call_it_pass():
    with tripwire(hashlib, "sha256", "hash it yourself"):
        assert hashlib.md5(b"x").hexdigest()


# bypass: what the code refers to


def digest_by_name(data: bytes) -> str:
    return sha256(data).hexdigest()


def digest_with_a_local_import(data: bytes) -> str:
    from hashlib import sha256 as hasher

    return hasher(data).hexdigest()


def digest_in_a_nested_function(buffers: list[bytes]) -> list[str]:
    def one(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    return [one(data) for data in buffers]


def digest_by_alias(data: bytes) -> str:
    return ALIAS(data).hexdigest()


ALIAS = hashlib.sha256


def digest_another_way(data: bytes) -> str:
    sha256 = hashlib.md5  # a local that happens to share the name
    return sha256(data).hexdigest()


def test_referenced_names_follow_attributes_imports_and_nested_code():
    assert {"hashlib", "hashlib.sha256"} <= referenced_names(digest_through_the_module)
    assert "hashlib.sha256" in referenced_names(digest_with_a_local_import)
    assert "hashlib.sha256" in referenced_names(digest_in_a_nested_function)


@pytest.mark.parametrize(
    "function",
    [
        digest_through_the_module,
        digest_by_name,
        digest_with_a_local_import,
        digest_in_a_nested_function,
        digest_by_alias,
    ],
)
def test_refuse_references_finds_the_answer_however_it_is_named(function):
    with pytest.raises(Mistake, match=r"calls hashlib\.sha256, .*: hash it yourself"):
        refuse_references(function, ["hashlib.sha256"], "hash it yourself")


def test_refuse_references_passes_code_that_does_not_refer_to_it():
    refuse_references(digest_another_way, ["hashlib.sha256"], "hash it yourself")
