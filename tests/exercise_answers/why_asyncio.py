"""What 01-why-asyncio defines before its exercises, and named wrong answers to them."""

import asyncio
import threading
import time

from solutions import WrongAnswer, named, template


def notebook_namespace() -> dict:
    """What 01-why-asyncio defines before its exercises, as the exercises use it."""

    class Account:
        def __init__(self) -> None:
            self.balance = 0

    balance_lock = threading.Lock()

    def deposit_locked(account: Account, times: int) -> None:
        for _ in range(times):
            with balance_lock:
                balance = account.balance
                time.sleep(0)
                account.balance = balance + 1

    def write_audit_line() -> None:
        time.sleep(0)

    return named(
        asyncio,
        threading,
        time,
        Account,
        deposit_locked,
        write_audit_line,
        balance_lock=balance_lock,
    )


# deposit_audited as learners write it (no type hints): each wrong answer fills in the loop
deposit_audited = template("""
def deposit_audited(account, times):
    for _ in range(times):
        ...
""")


# In class a check waits longer for threads to meet or to finish; for the wrong answers, whose
# outcome is known, shorter.
SETTINGS = {"MEET_S": 0.5, "FINISH_S": 3.0}

WRONG_ANSWERS = {
    "check_deposit_audited": {
        "no lock at all": WrongAnswer(
            deposit_audited("""
                write_audit_line()
                account.balance += 1
            """),
            says=r"lost \d+ of 100 updates: \d threads were between reading",
            kind="luck",
        ),
        "lock held across the slow call": WrongAnswer(
            deposit_audited("""
                with balance_lock:
                    write_audit_line()
                    account.balance += 1
            """),
            says=r"ever inside write_audit_line\(\) at once: it is called while balance_lock",
            kind="structure",
        ),
        "lock released between the read and the write": WrongAnswer(
            deposit_audited("""
                with balance_lock:
                    balance = account.balance
                write_audit_line()
                with balance_lock:
                    account.balance = balance + 1
            """),
            says=r"lost \d+ of 100 updates",
            kind="luck",
        ),
        "the lock taken twice": WrongAnswer(
            deposit_audited("""
                with balance_lock:
                    write_audit_line()
                    with balance_lock:
                        account.balance += 1
            """),
            says=r"still running after 3 s: does a thread wait for a lock it already holds",
            kind="hang",
        ),
        "the audit line forgotten": WrongAnswer.from_solution(
            "        write_audit_line()  # the slow, unshared part runs with no lock held\n",
            "",
            says=r"write_audit_line\(\) ran 0 times for 100 deposits: call it once per deposit",
            kind="half",
        ),
    },
    "check_fetch_all": {
        "awaits each wait in turn": WrongAnswer.from_solution(
            "await asyncio.gather(*(asyncio.sleep(latency) for latency in latencies))",
            "for latency in latencies:\n        await asyncio.sleep(latency)",
            says=r"the sum of the waits \(1.0 s\): it awaits them one after another",
            kind="structure",
        ),
        "time.sleep in a coroutine": WrongAnswer.from_solution(
            "await asyncio.gather(*(asyncio.sleep(latency) for latency in latencies))",
            "for latency in latencies:\n        time.sleep(latency)",
            says=r"event loop was blocked for [\d.]+ s: time.sleep blocks it",
            kind="structure",
        ),
        "awaits only the last task (right only when the list is sorted)": WrongAnswer.from_solution(
            "await asyncio.gather(*(asyncio.sleep(latency) for latency in latencies))",
            "tasks = [asyncio.create_task(asyncio.sleep(latency)) for latency in latencies]\n"
            "    await tasks[-1]",
            says=r"before its longest wait \(0.4 s\) was over: await every wait",
            kind="luck",
        ),
        "awaits only the first task": WrongAnswer.from_solution(
            "await asyncio.gather(*(asyncio.sleep(latency) for latency in latencies))",
            "tasks = [asyncio.create_task(asyncio.sleep(latency)) for latency in latencies]\n"
            "    await tasks[0]",
            says=r"before its longest wait \(0.4 s\) was over: await every wait",
            kind="luck",
        ),
        "returns when the first wait is done": WrongAnswer.from_solution(
            "await asyncio.gather(*(asyncio.sleep(latency) for latency in latencies))",
            "tasks = [asyncio.create_task(asyncio.sleep(latency)) for latency in latencies]\n"
            "    await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)",
            says=r"returned after [\d.]+ s, before its longest wait \(0.4 s\) was over",
            kind="half",
        ),
        "starts the waits but does not await them": WrongAnswer.from_solution(
            "await asyncio.gather(*(asyncio.sleep(latency) for latency in latencies))",
            "for latency in latencies:\n        asyncio.create_task(asyncio.sleep(latency))",
            says=r"before its longest wait \(0.4 s\) was over",
            kind="other",
        ),
        "polls the tasks without letting the loop run": WrongAnswer.from_solution(
            "await asyncio.gather(*(asyncio.sleep(latency) for latency in latencies))",
            "tasks = [asyncio.create_task(asyncio.sleep(latency)) for latency in latencies]\n"
            "    while not all(task.done() for task in tasks):\n"
            "        time.sleep(0.01)",
            says=r"blocked the event loop for [\d.]+ s \(nothing else could run\)",
            kind="hang",
        ),
        "waits only the longest latency": WrongAnswer.from_solution(
            "await asyncio.gather(*(asyncio.sleep(latency) for latency in latencies))",
            "await asyncio.sleep(max(latencies))",
            says=r"took the right time, but it asked asyncio\.sleep for \[0\.4\], never for "
            r"\[0\.1, 0\.3, 0\.2\]: one wait as long as the longest only looks like concurrency",
            kind="structure",
        ),
        "no prediction, or not a number": WrongAnswer.from_solution(
            "PREDICTED_S = 0.4",
            'PREDICTED_S = "0.4 s"',
            says=r"PREDICTED_S = '0.4 s': write your prediction as a number",
            kind="other",
        ),
    },
}


# Kinds that no wrong answer here covers, with the reason they do not apply (issue 23).
NOT_APPLICABLE = {
    "check_deposit_audited": {
        "bypass": "no library function or course helper makes an audited deposit; calling "
        "§2's deposit_locked for each deposit, with the audit line outside it, is a right answer",
    },
    "check_fetch_all": {
        "bypass": "asyncio.gather (or a TaskGroup) is the tool the exercise asks for: no helper "
        "does the exercise in its place",
    },
}
