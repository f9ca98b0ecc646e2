"""Did other programs, or the host, take the CPUs as we measured? (01-why-asyncio)

A parallel speed-up or a wall-clock ratio shows only while our threads and workers find free
CPUs. `OtherCpus` reads the machine's CPU time counters around a block, takes away the CPU time of
this process and its descendants (workers included), and reports how many CPUs, on average, other
programs kept busy; on a virtual machine it also reports the steal time, CPU time the host gave to
other guests while ours waited. Programs at the lowest priority (nice 19) are not counted: the
scheduler runs them only on CPUs ours leave idle (`make test` runs its unit tests so, beside the
notebooks). A claim that needs the CPUs to itself is checked only where both figures are low:
`OtherCpus.allows(claim)` says which, and logs it for the test run's summary.
"""

from __future__ import annotations

import contextlib
import json
import os
import time

import psutil

from helpers.cpu.pools import usable_cpus

BUSY_CPUS = 0.5  # other programs, or the host, keeping this many CPUs busy make the machine busy
LOWEST_PRIORITY = 19  # the nice value of programs that yield every CPU to ours
CLAIMS_LOG = "COURSE_CLAIMS_LOG"  # environment variable: a file where each gated claim is logged


def _cpu_times() -> tuple[float, float]:
    """The machine's CPU seconds so far: (busy on anything, taken by the host: steal)."""
    times = psutil.cpu_times()
    fields = ("user", "nice", "system", "irq", "softirq")
    busy = sum(getattr(times, field) for field in fields if hasattr(times, field))
    return busy, getattr(times, "steal", 0.0)


def _process_cpu_s(process: psutil.Process) -> float:
    """CPU seconds of a process and of the children it has waited for; 0 if it is gone."""
    try:
        times = process.cpu_times()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return 0.0
    return times.user + times.system + times.children_user + times.children_system


def yields(process: psutil.Process) -> bool:
    """Whether the process runs at the lowest priority, so that it yields every CPU to ours.

    On Linux with autogroups, CPU time is shared between sessions first: a process yields only
    if its session's group is at the lowest priority too.
    """
    try:
        if process.nice() < LOWEST_PRIORITY:
            return False
        with open(f"/proc/{process.pid}/autogroup", encoding="ascii") as autogroup:
            words = autogroup.read().split()  # "/autogroup-N nice K"; empty for kernel threads
        return not words or int(words[-1]) >= LOWEST_PRIORITY
    except (psutil.NoSuchProcess, psutil.AccessDenied, ProcessLookupError, PermissionError):
        return False
    except OSError:  # no autogroups here: the nice value decides
        return True


def yielding_cpu_s() -> float:
    """CPU seconds of the programs running at the lowest priority, which yield the CPUs to ours."""
    return sum(_process_cpu_s(p) for p in psutil.process_iter() if yields(p))


def own_cpu_s(me: psutil.Process | None = None) -> float:
    """CPU seconds of this process and its descendants, the exited ones it waited for included."""
    me = me or psutil.Process()
    processes = [me]
    with contextlib.suppress(psutil.NoSuchProcess):
        processes += me.children(recursive=True)
    return sum(_process_cpu_s(process) for process in processes)


def busy_reason(cpus: float | None, steal: float | None = 0.0) -> str | None:
    """Why the machine counts as busy, or None: others, or the host, kept BUSY_CPUS busy."""
    if cpus is not None and cpus >= BUSY_CPUS:
        return f"other programs kept {cpus:.1f} CPUs busy"
    if steal is not None and steal >= BUSY_CPUS:
        return f"the host took {steal:.1f} CPUs (steal time)"
    return None


class OtherCpus:
    """How many CPUs, on average, other programs (`cpus`) and the host (`steal`) took in a block.

    The machine's CPU time counters, less the CPU time of this process and its descendants (all
    their threads; a child that exits hands its time to its parent's count) and of the programs
    at the lowest priority, over the block's wall-clock time. It runs no thread, so it may
    surround a fork.
    """

    def __enter__(self) -> OtherCpus:
        self._me = psutil.Process()
        self._start = (time.perf_counter(), *_cpu_times(), own_cpu_s(self._me) + yielding_cpu_s())
        self.cpus = 0.0
        self.steal = 0.0
        return self

    def __exit__(self, *exc_info: object) -> None:
        wall0, machine0, steal0, own0 = self._start
        wall = time.perf_counter() - wall0
        machine, steal = _cpu_times()
        own = own_cpu_s(self._me) + yielding_cpu_s() - own0
        if wall > 0:
            self.cpus = max(0.0, (machine - machine0 - own) / wall)
            self.steal = max(0.0, (steal - steal0) / wall)

    @property
    def busy_reason(self) -> str | None:
        """Why the machine was too busy for a claim that needs the CPUs, or None."""
        return busy_reason(self.cpus, self.steal)

    def allows(self, claim: str, *, cpus_needed: int = 1, why_not: str | None = None) -> bool:
        """Whether the block's measurement can check `claim`; prints and logs which it was.

        Not checked when other programs or the host took BUSY_CPUS or more, when this machine
        has fewer than `cpus_needed` CPUs, or for `why_not`, a reason the caller found itself.
        The line printed is "checked: CLAIM" or "not checked: CLAIM (why)"; with
        COURSE_CLAIMS_LOG set, it is also logged there.
        """
        cpus = usable_cpus()
        why = self.busy_reason
        if cpus < cpus_needed:
            why = f"this machine has {cpus} CPU(s); the claim needs {cpus_needed}"
        why = why_not or why
        print(f"checked: {claim}" if why is None else f"not checked: {claim} ({why})")
        log = os.environ.get(CLAIMS_LOG)
        if log:
            with open(log, "a", encoding="utf-8") as file:
                file.write(json.dumps({"claim": claim, "checked": why is None, "why": why}) + "\n")
        return why is None
