"""Measure what it costs to keep many threads or coroutines alive at once (01-why-asyncio).

Each measurement runs in a fresh Python process
(`python -m helpers.lessons.footprint MODEL COUNT`), so memory freed by earlier cells cannot
be reused and hide the cost.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil


@dataclass(frozen=True)
class Footprint:
    """Start time and memory of `count` units all alive at the same moment."""

    model: str
    count: int
    start_s: float
    start_cpu_s: float
    rss_bytes: int
    vms_bytes: int
    kernel_stack_bytes: int = 0  # kernel memory outside the process's RSS: a stack per thread

    @property
    def start_us_each(self) -> float:
        """Microseconds to start one unit, on the clock."""
        return self.start_s / self.count * 1e6

    @property
    def start_cpu_us_each(self) -> float:
        """Microseconds of processor time to start one unit, which a busy machine cannot inflate."""
        return self.start_cpu_s / self.count * 1e6

    @property
    def rss_kib_each(self) -> float:
        """Resident memory (RAM actually used) per unit, in KiB."""
        return self.rss_bytes / self.count / 1024

    @property
    def kernel_stack_kib_each(self) -> float:
        """Kernel stack per unit, in KiB: memory a thread costs that its process's RSS omits."""
        return self.kernel_stack_bytes / self.count / 1024

    @property
    def vms_kib_each(self) -> float:
        """Address space reserved per unit, in KiB."""
        return self.vms_bytes / self.count / 1024


def _check_count(count: int) -> None:
    if isinstance(count, bool) or not isinstance(count, int):
        raise TypeError(f"count must be an int, got {type(count).__name__}")
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count}")


def _memory() -> tuple[int, int]:
    gc.collect()
    info = psutil.Process().memory_info()
    return info.rss, info.vms


def kernel_stack_bytes() -> int:
    """The machine's kernel stacks now (/proc/meminfo's KernelStack), 0 where not known."""
    for line in _read_lines("/proc/meminfo"):
        if line.startswith("KernelStack:"):
            return int(line.split()[1]) * 1024
    return 0


def threads_alive(count: int) -> Footprint:
    """Start count threads that all wait on one event; measure, then release them."""
    release = threading.Event()
    threads: list[threading.Thread] = []
    rss0, vms0 = _memory()
    kernel0 = kernel_stack_bytes()
    try:
        start, start_cpu = time.perf_counter(), time.process_time()
        for _ in range(count):  # as for tasks, creating the objects counts as starting
            thread = threading.Thread(target=release.wait, daemon=True)
            thread.start()
            threads.append(thread)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - start_cpu
        rss1, vms1 = _memory()
        kernel = max(0, kernel_stack_bytes() - kernel0)  # machine-wide: others' threads too
    finally:
        release.set()
        for thread in threads:
            thread.join()
    return Footprint("threads", count, elapsed, cpu, rss1 - rss0, vms1 - vms0, kernel)


async def tasks_alive(count: int) -> Footprint:
    """Start count tasks that all wait on one event; measure, then release them."""
    release = asyncio.Event()
    rss0, vms0 = _memory()
    start, start_cpu = time.perf_counter(), time.process_time()
    tasks = [asyncio.create_task(release.wait()) for _ in range(count)]
    await asyncio.sleep(0)  # let every task run up to its first await
    elapsed, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    rss1, vms1 = _memory()
    release.set()
    await asyncio.gather(*tasks)
    return Footprint("tasks", count, elapsed, cpu, rss1 - rss0, vms1 - vms0)


@dataclass(frozen=True)
class Headroom:
    """Roughly how many more threads may start, and the limit that says so."""

    threads: int | None
    limit: str


def _read_int(path: str) -> int | None:
    try:
        text = Path(path).read_text().strip()
    except OSError:
        return None
    return None if text == "max" else int(text)


def _cgroup_pids() -> tuple[int | None, int | None]:
    """pids.max and pids.current of this process's cgroup (v2 or v1), None where unknown."""
    for line in _read_lines("/proc/self/cgroup"):
        _, controllers, path = line.split(":", 2)
        if controllers in ("", "pids"):  # "" is the unified (v2) hierarchy
            base = "/sys/fs/cgroup" + ("" if controllers == "" else "/pids") + path.rstrip("/")
            limit = _read_int(f"{base}/pids.max")
            if limit is not None:
                return limit, _read_int(f"{base}/pids.current")
    return None, None


def _read_lines(path: str) -> list[str]:
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []


def _user_threads(uid: int) -> int:
    """Threads of every process whose real user id is uid: what RLIMIT_NPROC counts."""
    total = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        fields = dict(line.split(":", 1) for line in _read_lines(str(status)) if ":" in line)
        if fields.get("Uid", "").split()[:1] == [str(uid)] and "Threads" in fields:
            total += int(fields["Threads"])
    return total


def thread_headroom() -> Headroom:
    """How many more threads Linux lets this process start; None elsewhere.

    Every thread takes a process id, so the room is at most kernel.pid_max and kernel.threads-max
    less the threads alive now (pid_max is the machine's, or since Linux 6.14 the PID
    namespace's, which may only lower it), the cgroup's pids.max less its pids, and RLIMIT_NPROC
    (`ulimit -u`, per user; root is exempt) less the user's threads. Each thread's stack also
    takes two memory mappings (the stack and its guard page) of the process's vm.max_map_count:
    65,530 by the kernel's default, about 32,000 threads.
    """
    loadavg = _read_lines("/proc/loadavg")
    if not sys.platform.startswith("linux") or not loadavg:
        return Headroom(None, "not known on this system")
    alive = int(loadavg[0].split()[3].split("/")[1])  # scheduling entities: threads, in all
    room: dict[str, int] = {}
    for name in ("pid_max", "threads-max"):
        limit = _read_int(f"/proc/sys/kernel/{name}")
        if limit is not None:
            room[f"kernel.{name} = {limit:,}"] = limit - alive
    pids_max, pids_current = _cgroup_pids()
    if pids_max is not None:
        room[f"cgroup pids.max = {pids_max:,}"] = pids_max - (pids_current or alive)
    import resource  # Unix only: imported here, past the Linux check, so Windows can import us

    nproc, _ = resource.getrlimit(resource.RLIMIT_NPROC)
    uid = os.getuid()
    if nproc != resource.RLIM_INFINITY and uid != 0:
        room[f"RLIMIT_NPROC (ulimit -u) = {nproc:,}"] = nproc - _user_threads(uid)
    max_maps = _read_int("/proc/sys/vm/max_map_count")
    maps = _read_lines("/proc/self/maps")
    if max_maps is not None and maps:
        room[f"vm.max_map_count = {max_maps:,}, 2 mappings a thread"] = (max_maps - len(maps)) // 2
    if not room:
        return Headroom(None, "not known on this system")
    tightest = min(room, key=room.__getitem__)
    return Headroom(max(0, room[tightest]), tightest)


MODELS = {"threads": threads_alive, "tasks": lambda count: asyncio.run(tasks_alive(count))}


def footprint(model: str, count: int, timeout_s: float = 120) -> Footprint:
    """Measure count live threads or tasks in a fresh process."""
    if model not in MODELS:
        raise ValueError(f"model must be one of {sorted(MODELS)}, got {model!r}")
    _check_count(count)
    command = [sys.executable, "-m", "helpers.lessons.footprint", model, str(count)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s)
    if done.returncode != 0:
        raise RuntimeError(f"measuring {count} {model} failed: {done.stderr.strip()}")
    return Footprint(**json.loads(done.stdout))


def main() -> None:
    """Command line: print one measurement as JSON (used by footprint())."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model", choices=sorted(MODELS))
    parser.add_argument("count", type=int)
    args = parser.parse_args()
    if args.count < 1:
        parser.error(f"count must be at least 1, got {args.count}")
    print(json.dumps(asdict(MODELS[args.model](args.count))))


if __name__ == "__main__":
    main()
