"""Self-checks for the exercises of notebook 10-cpu-benchmark."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import helpers.measure.timing
from helpers.exercises import Mistake, answer, passed, self_check, watchdog
from helpers.exercises.bypass import refuse_references, tripwire

ROUNDS_CASES = [(("zeta", "alpha", "mid"), 4), (("only",), 1), (("b", "a"), 3)]
MAX_CALLS = 100  # calls of the check's functions after which the answer's loop is called runaway
OWN_HARNESS = "write the rounds yourself: a loop over the rounds, and in it one over the functions"


class _Recorder:
    """Functions that log every call in order and return a value no other call returns."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.calls: list[str] = []
        self.funcs = {name: self._func(name) for name in names}

    def _func(self, name: str) -> Callable[[], str]:
        def run() -> str:
            self.calls.append(name)
            if len(self.calls) > MAX_CALLS:
                raise Mistake(
                    f"the functions were called more than {MAX_CALLS} times for a handful of "
                    "rounds: does your loop ever end? Count the rounds with range(repeats)"
                )
            return f"{name} call {self.calls.count(name)}"

        return run


def _check_case(in_rounds: Callable[..., Any], names: tuple[str, ...], repeats: int) -> None:
    """Run the answer on one case and raise Mistake at the first requirement it breaks."""
    recorder = _Recorder(names)
    case = f"in_rounds({{{', '.join(repr(n) + ': ...' for n in names)}}}, repeats={repeats})"
    with (
        watchdog.blocking(case, advice="a loop over range(repeats) always ends"),
        tripwire(helpers.measure.timing, "in_rounds", OWN_HARNESS),
    ):
        got = in_rounds(recorder.funcs, repeats)
    rounds = [list(names)] * repeats
    expected_calls = [name for one_round in rounds for name in one_round]
    if sorted(recorder.calls) != sorted(expected_calls):
        counts = {name: recorder.calls.count(name) for name in names}
        raise Mistake(
            f"{case} called the functions {counts} times: each should be called once per "
            f"round, {repeats} times in all"
        )
    if recorder.calls != expected_calls:
        shown = ", ".join(recorder.calls[: 2 * len(names)])
        raise Mistake(
            f"{case} called {shown}, ...: that is every run of one function, then the next. "
            "Interleave them: each round calls every function once, so that a change in the "
            "machine's load falls on all of them alike"
        )
    if not isinstance(got, Mapping) or set(got) != set(names):
        raise Mistake(f"{case} returned {got!r}: return a dict with one entry per name")
    for name in names:
        want = [f"{name} call {k}" for k in range(1, repeats + 1)]
        results = got[name]
        if results == want:
            continue
        if results == want[-1] or results == [want[-1]]:
            raise Mistake(
                f"{case}: {name!r} maps to {results!r}, the last round's result only: keep "
                f"a list of every round's result, {want!r}"
            )
        if isinstance(results, list) and len(results) == repeats * len(names):
            raise Mistake(
                f"{case}: {name!r} maps to {len(results)} results, every function's: the names "
                "share one list (dict.fromkeys(funcs, []) makes one list, not one per name)"
            )
        raise Mistake(f"{case}: {name!r} maps to {results!r}, not its results in order, {want!r}")


@self_check
def check_in_rounds(namespace: Mapping[str, Any]) -> bool | None:
    """10-cpu-benchmark, exercise 1: in_rounds(funcs, repeats) runs the functions in rounds.

    Requires: every function called once per round, `repeats` rounds, the rounds interleaved
    (round k calls each function before round k + 1 calls any); a dict name -> list of what each
    call returned, in round order, one list per name; for any number of functions and rounds;
    written, not borrowed from helpers.measure.timing.
    """
    in_rounds = answer(namespace, "in_rounds", "in_rounds(funcs, repeats)")
    refuse_references(
        in_rounds,
        ["helpers.measure.timing.in_rounds", "helpers.measure.timing.repeat_in_rounds"],
        OWN_HARNESS,
    )
    for names, repeats in ROUNDS_CASES:
        _check_case(in_rounds, names, repeats)
    return passed(
        f"in_rounds interleaves the rounds and keeps every result, on {len(ROUNDS_CASES)} cases "
        "(3 functions in 4 rounds, 1 in 1, 2 in 3)"
    )
