"""What 01-why-asyncio defines before its exercises (wrong answers: the .toml)."""

import asyncio
import threading
import time

from solutions import named


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
