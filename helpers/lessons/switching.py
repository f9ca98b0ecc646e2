"""Measure what one switch costs: a token handed between two threads, or two tasks (01-why-asyncio).

Two sides hand a token back and forth through two Events: each waits for its own Event, clears
it and sets the other side's. One hand-over is one switch, a round trip two. Threads hand it over
through `threading.Event`, so every switch goes through the operating system's scheduler and
the GIL; tasks through `asyncio.Event`, so every switch goes through the event loop's ready
queue. Both run in a fresh Python process (`python -m helpers.lessons.switching ROUND_TRIPS
ROUNDS`), in turns, away from the kernel's own threads and loop.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass

MODELS = ("threads", "tasks")


@dataclass(frozen=True)
class Switches:
    """How long `switches` hand-overs took, on the clock and in the process's CPU time."""

    model: str
    switches: int
    seconds: float
    cpu_seconds: float

    @property
    def us_each(self) -> float:
        """Microseconds per switch, on the clock."""
        return self.seconds / self.switches * 1e6

    @property
    def cpu_us_each(self) -> float:
        """Microseconds of CPU time per switch, all threads: load cannot inflate it."""
        return self.cpu_seconds / self.switches * 1e6


def thread_ping_pong(round_trips: int) -> Switches:
    """Two threads hand a token back and forth through two threading.Events."""
    ping, pong = threading.Event(), threading.Event()

    def other_side() -> None:
        for _ in range(round_trips):
            ping.wait()  # the token arrives: the OS wakes this thread
            ping.clear()
            pong.set()  # hand it back

    thread = threading.Thread(target=other_side)
    thread.start()
    start, start_cpu = time.perf_counter(), time.process_time()
    for _ in range(round_trips):
        ping.set()
        pong.wait()
        pong.clear()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    thread.join()
    return Switches("threads", 2 * round_trips, elapsed, cpu)


async def task_ping_pong(round_trips: int) -> Switches:
    """Two tasks hand a token back and forth through two asyncio.Events."""
    ping, pong = asyncio.Event(), asyncio.Event()

    async def other_side() -> None:
        for _ in range(round_trips):
            await ping.wait()  # the token arrives: the loop resumes this task
            ping.clear()
            pong.set()  # hand it back

    task = asyncio.create_task(other_side())
    start, start_cpu = time.perf_counter(), time.process_time()
    for _ in range(round_trips):
        ping.set()
        await pong.wait()
        pong.clear()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    await task
    return Switches("tasks", 2 * round_trips, elapsed, cpu)


def _check(round_trips: int, rounds: int) -> None:
    for name, value in (("round_trips", round_trips), ("rounds", rounds)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an int, got {type(value).__name__}")
        if value < 1:
            raise ValueError(f"{name} must be at least 1, got {value}")


def in_turns(round_trips: int, rounds: int) -> list[Switches]:
    """Each model `rounds` times, in turns (threads, tasks, threads, ...), in this process."""
    _check(round_trips, rounds)
    runs = []
    for _ in range(rounds):
        runs.append(thread_ping_pong(round_trips))
        runs.append(asyncio.run(task_ping_pong(round_trips)))
    return runs


def switch_cost(round_trips: int, rounds: int = 3, timeout_s: float = 120) -> dict[str, Switches]:
    """Per model, the run of median CPU time of `rounds` runs in turns, in a fresh process."""
    _check(round_trips, rounds)
    command = [sys.executable, "-m", "helpers.lessons.switching", str(round_trips), str(rounds)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s)
    if done.returncode != 0:
        raise RuntimeError(f"measuring switches failed: {done.stderr.strip()}")
    runs = [Switches(**run) for run in json.loads(done.stdout)]
    median: dict[str, Switches] = {}
    for model in MODELS:
        mine = sorted((run for run in runs if run.model == model), key=lambda r: r.cpu_seconds)
        median[model] = mine[(len(mine) - 1) // 2]
    return median


def main() -> None:
    """Command line: print every run as JSON (used by switch_cost())."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("round_trips", type=int)
    parser.add_argument("rounds", type=int)
    args = parser.parse_args()
    try:
        runs = in_turns(args.round_trips, args.rounds)
    except ValueError as error:
        parser.error(str(error))
    print(json.dumps([asdict(run) for run in runs]))


if __name__ == "__main__":
    main()
