"""Predict, then measure: the learner's prediction, recorded before the check shows the answer.

The learner writes the prediction in a named variable (`PREDICTED_S = 0.4`). The check reads it
with `prediction` first: with none, the check ends there, "not attempted yet", before measuring
anything, so that no answer is shown before it is asked for. After measuring, it
calls `compare`, which prints the prediction beside the measurement and whether it was within
the stated tolerance. A prediction is never a Mistake, right or wrong: it is how one learns.
"""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Real
from typing import Any

from helpers.exercises import Mistake, not_attempted


def prediction(namespace: Mapping[str, Any], name: str) -> float:
    """The number the learner predicted in `name`; until there is one, the check ends, asking."""
    value = namespace.get(name)
    if value is None:
        not_attempted(f"write your prediction in {name} first")
    if isinstance(value, bool) or not isinstance(value, Real):
        raise Mistake(f"{name} = {value!r}: write your prediction as a number, like {name} = 0.4")
    return float(value)


def compare(predicted: float, measured: float, tolerance: float, unit: str = "s") -> bool:
    """Print the prediction beside the measurement; whether it was within tolerance (a fraction)."""
    within = abs(predicted - measured) <= tolerance * abs(measured)
    verdict = "within" if within else "outside"
    print(
        f"you predicted {predicted:.2f} {unit}, measured {measured:.2f} {unit}: "
        f"{verdict} ±{tolerance:.0%} of the measurement"
    )
    return within
