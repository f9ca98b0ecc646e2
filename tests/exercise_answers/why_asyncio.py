"""What 01-why-asyncio defines before its exercises, and named wrong answers to them."""

import asyncio
import threading
import time

from solutions import WrongAnswer


def notebook_namespace() -> dict:
    """What 01-why-asyncio defines before its exercises, as the exercises use it."""

    class Account:
        def __init__(self) -> None:
            self.balance = 0

    def write_audit_line() -> None:
        time.sleep(0)

    return {
        "asyncio": asyncio,
        "threading": threading,
        "time": time,
        "Account": Account,
        "balance_lock": threading.Lock(),
        "write_audit_line": write_audit_line,
    }


# In class a check waits longer for threads to meet or to finish; for the wrong answers, whose
# outcome is known, shorter.
SETTINGS = {"MEET_S": 0.5, "FINISH_S": 3.0}

WRONG_ANSWERS = {
    "check_deposit_audited": {
        "no lock at all": WrongAnswer(
            """
def deposit_audited(account, times):
    for _ in range(times):
        write_audit_line()
        account.balance += 1
""",
            says=r"lost \d+ of 100 updates: \d threads were between reading",
            kind="luck",
        ),
        "lock held across the slow call": WrongAnswer(
            """
def deposit_audited(account, times):
    for _ in range(times):
        with balance_lock:
            write_audit_line()
            account.balance += 1
""",
            says=r"ever inside write_audit_line\(\) at once: it is called while balance_lock",
            kind="structure",
        ),
        "lock released between the read and the write": WrongAnswer(
            """
def deposit_audited(account, times):
    for _ in range(times):
        with balance_lock:
            balance = account.balance
        write_audit_line()
        with balance_lock:
            account.balance = balance + 1
""",
            says=r"lost \d+ of 100 updates",
            kind="luck",
        ),
        "the lock taken twice": WrongAnswer(
            """
def deposit_audited(account, times):
    for _ in range(times):
        with balance_lock:
            write_audit_line()
            with balance_lock:
                account.balance += 1
""",
            says=r"still running after 3 s: does a thread wait for a lock it already holds",
            kind="hang",
        ),
    },
    "check_fetch_all": {
        "awaits each wait in turn": WrongAnswer(
            """
async def fetch_all(latencies):
    for latency in latencies:
        await asyncio.sleep(latency)
""",
            says=r"the sum of the waits \(1.0 s\): it awaits them one after another",
            kind="structure",
        ),
        "time.sleep in a coroutine": WrongAnswer(
            """
async def fetch_all(latencies):
    for latency in latencies:
        time.sleep(latency)
""",
            says=r"event loop was blocked for [\d.]+ s: time.sleep blocks it",
            kind="structure",
        ),
        "starts the waits but does not await them": WrongAnswer(
            """
async def fetch_all(latencies):
    for latency in latencies:
        asyncio.create_task(asyncio.sleep(latency))
""",
            says=r"before its longest wait \(0.4 s\) was over",
            kind="other",
        ),
    },
}


# Kinds that no wrong answer here covers, with the reason they do not apply (issue 23).
NOT_APPLICABLE: dict[str, dict[str, str]] = {}
