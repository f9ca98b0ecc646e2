"""What 11-pools-in-depth defines before its exercises, and named wrong answers to them."""

import textwrap

from solutions import WrongAnswer


def notebook_namespace() -> dict:
    """What 11-pools-in-depth defines before its exercises, as the exercises use it."""
    return {}


# In class a run of the script may take SCRIPT_S seconds; for the wrong answers, whose outcome
# is known, less (only the hanging one waits for it).
SETTINGS = {"SCRIPT_S": 4.0}

# the shown script's guarded block, and the same lines unguarded, which a worker runs on import
GUARDED = """if __name__ == "__main__":
    context = multiprocessing.get_context(sys.argv[1])
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        print(list(pool.map(cube, range(int(sys.argv[2])))))
"""
UNGUARDED = textwrap.dedent(GUARDED.removeprefix('if __name__ == "__main__":\n'))

WRONG_ANSWERS = {
    "check_fixed_script": {
        "the script left unguarded": WrongAnswer.from_solution(
            GUARDED,
            UNGUARDED,
            says=r"python cubes\.py spawn 6 printed nothing, not \[0, 1, 8, 27, 64, 125\]: a "
            r"worker \(or 3\.14's fork server\) imported the script, and the import started a "
            r"pool of its own",
            kind="other",
        ),
        "the whole script under the guard, cube too": WrongAnswer.from_solution(
            """

def cube(n):
    return n * n * n


if __name__ == "__main__":
""",
            """

if __name__ == "__main__":
    def cube(n):
        return n * n * n

""",
            says=r"cube is not defined at the top of the script: a worker imports the script as "
            r"__mp_main__",
            kind="structure",
        ),
        "fork chosen in the script": WrongAnswer.from_solution(
            "multiprocessing.get_context(sys.argv[1])",
            'multiprocessing.get_context("fork")',
            says=r"the script chooses its own start method: fork would hide the problem on Linux",
            kind="bypass",
        ),
        "spawn chosen in the script": WrongAnswer.from_solution(
            "multiprocessing.get_context(sys.argv[1])",
            'multiprocessing.get_context("spawn")',
            says=r"python cubes\.py forkserver 6 started its workers with spawn, not forkserver: "
            r"the script chooses its own start method",
            kind="luck",
        ),
        "set_start_method outside the guard": WrongAnswer(
            '''
FIXED_SCRIPT = """
import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor

multiprocessing.set_start_method(sys.argv[1])


def cube(n):
    return n * n * n


if __name__ == "__main__":
    with ProcessPoolExecutor(max_workers=2) as pool:
        print(list(pool.map(cube, range(int(sys.argv[2])))))
"""
''',
            says=r"python cubes\.py spawn 6 printed nothing, not \[0, 1, 8, 27, 64, 125\]: each "
            r"worker imports the script \(as __mp_main__\) and calls set_start_method again",
            kind="other",
        ),
        "the cubes printed by heart": WrongAnswer.from_solution(
            "print(list(pool.map(cube, range(int(sys.argv[2])))))",
            "list(pool.map(cube, range(int(sys.argv[2]))))\n        print([0, 1, 8, 27, 64, 125])",
            says=r"python cubes\.py spawn 9 printed \[0, 1, 8, 27, 64, 125\], not "
            r"\[0, 1, 8, 27, 64, 125, 216, 343, 512\]: print the pool's results",
            kind="luck",
        ),
        "a guard that the workers pass too": WrongAnswer.from_solution(
            'if __name__ == "__main__":',
            'if __name__ in ("__main__", "__mp_main__"):',
            says=r"python cubes\.py spawn 6 printed nothing, not \[0, 1, 8, 27, 64, 125\]: a "
            r"worker \(or 3\.14's fork server\) imported the script",
            kind="half",
        ),
        "the guard only around the print, the pool made on import": WrongAnswer.from_solution(
            GUARDED,
            UNGUARDED.replace("    print(", '    if __name__ == "__main__":\n        print('),
            says=r"imported as a worker imports it \(__name__ is '__mp_main__'\), the script makes "
            r"a ProcessPoolExecutor: it works only because",
            kind="structure",
        ),
        "multiprocessing.Pool, still unguarded": WrongAnswer.from_solution(
            GUARDED,
            "context = multiprocessing.get_context(sys.argv[1])\n"
            "with context.Pool(2) as pool:\n"
            "    print(pool.map(cube, range(int(sys.argv[2]))))\n",
            says=r"python cubes\.py spawn 6 was still running after 4 s: a multiprocessing\.Pool "
            r"whose workers die",
            kind="hang",
        ).also("from concurrent.futures import ProcessPoolExecutor\n", ""),
    },
}
