"""What 10-cpu-benchmark defines before its exercises, and named wrong answers to them."""

from solutions import WrongAnswer


def notebook_namespace() -> dict:
    """What 10-cpu-benchmark defines before its exercises, as the exercises use it."""
    return {}


WRONG_ANSWERS = {
    "check_in_rounds": {
        "every run of one function, then the next": WrongAnswer(
            """
def in_rounds(funcs, repeats):
    return {name: [func() for _ in range(repeats)] for name, func in funcs.items()}
""",
            says=r"called zeta, zeta, zeta, zeta, alpha, alpha, \.\.\.: that is every run of one "
            r"function, then the next\. Interleave them",
            kind="structure",
        ),
        "called once, the result repeated": WrongAnswer(
            """
def in_rounds(funcs, repeats):
    return {name: [func()] * repeats for name, func in funcs.items()}
""",
            says=r"called the functions \{'zeta': 1, 'alpha': 1, 'mid': 1\} times: each should "
            r"be called once per round, 4 times in all",
            kind="luck",
        ),
        "one list shared by every name": WrongAnswer.from_solution(
            "results = {name: [] for name in funcs}",
            "results = dict.fromkeys(funcs, [])",
            says=r"'zeta' maps to 12 results, every function's: the names share one list",
            kind="other",
        ),
        "the last round's result only": WrongAnswer.from_solution(
            "results[name].append(func())",
            "results[name] = func()",
            says=r"'zeta' maps to 'zeta call 4', the last round's result only",
            kind="half",
        ),
        "the course's own in_rounds": WrongAnswer(
            """
from helpers.measure.timing import in_rounds as course_in_rounds

def in_rounds(funcs, repeats):
    return course_in_rounds(funcs, repeats)
""",
            says=r"the answer calls helpers\.measure\.timing\.in_rounds, which is what the "
            r"exercise asks you to write",
            kind="bypass",
        ),
        "a while loop that never counts the rounds": WrongAnswer.from_solution(
            "    for _ in range(repeats):  # a round: every function once\n",
            "    done = 0\n    while done < repeats:\n",
            says=r"called more than 100 times for a handful of rounds: does your loop ever end",
            kind="hang",
        ),
    },
}
