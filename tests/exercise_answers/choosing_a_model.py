"""What 09-choosing-a-model defines before its exercises (wrong answers: the .toml)."""

from solutions import named, solution

from helpers.lessons.choose import choose_model
from helpers.server.process import SlowServer


def notebook_namespace() -> dict:
    """What 09-choosing-a-model defines before its exercises, and exercise 1's answer.

    Exercise 2's check uses the learner's measure_requests from exercise 1: the shown one here.
    """
    namespace = named(choose_model, SlowServer)
    exec(solution("choosing_a_model", "check_measure_requests"), namespace)
    return namespace
