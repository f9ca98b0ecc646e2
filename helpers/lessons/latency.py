"""A server's latency while it computes: steady probes beside CPU work (12-beyond-one-machine).

`probe_under_load` sends a cheap request (a probe) to a server at a steady rate, each probe
on its own whatever the others are doing, and records when each was due and how long its
answer took from then, while CPU-bound requests (to the server's ``/compute`` route, for one)
run a few at a time. Without a load it measures the probe's latency when the server has
nothing else to do, whose median is the reference the loaded runs are compared with: a median,
not a floor, so a loaded run may dip below it. `plot_probes` draws the probes of several runs
against time.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from helpers.measure.plots import COURSE_STYLE


@dataclass(frozen=True)
class Probe:
    """One probe: when it was due, in seconds from the start of its run, and its latency."""

    sent: float
    latency: float


@dataclass
class LoadRun:
    """The probes of one run, and the JSON answers of its compute requests."""

    probes: list[Probe] = field(default_factory=list)
    answers: list[Any] = field(default_factory=list)

    @property
    def latencies(self) -> list[float]:
        """Each probe's latency in seconds, in the order they were sent."""
        return [probe.latency for probe in self.probes]

    @property
    def worst(self) -> float:
        """The longest probe latency in seconds."""
        return max(self.latencies)

    @property
    def median(self) -> float:
        """The median probe latency in seconds."""
        return statistics.median(self.latencies)


async def _probe(session: Any, url: str, began: float, due: float, run: LoadRun) -> None:
    # timed from when the probe was due, not from when it left: a client whose own loop is held
    # up would otherwise leave out exactly the wait it should measure
    sent = min(due, time.perf_counter())
    async with session.get(url) as response:
        response.raise_for_status()
        await response.read()
    run.probes.append(Probe(sent - began, time.perf_counter() - sent))


async def _compute(session: Any, url: str, count: int, run: LoadRun) -> None:
    for _ in range(count):  # one after another: each waits for the previous answer
        async with session.get(url) as response:
            response.raise_for_status()
            run.answers.append(await response.json())


async def probe_under_load(
    session: Any,
    probe_url: str,
    compute_url: str | None,
    *,
    requests: int = 6,
    concurrency: int = 2,
    interval: float = 0.01,
    probes: int = 20,
) -> LoadRun:
    """GET probe_url every interval seconds while `requests` GETs of compute_url run.

    The compute requests go `concurrency` at a time, each client sending its next one when the
    previous is answered. With compute_url=None there is no load: `probes` probes measure the
    no-load reference. session is an aiohttp.ClientSession.
    """
    if compute_url is not None and not (requests >= concurrency >= 1):
        raise ValueError(f"need requests >= concurrency >= 1, got {requests}, {concurrency}")
    if interval <= 0:
        raise ValueError(f"interval must be positive, got {interval}")
    run = LoadRun()
    began = time.perf_counter()

    async def load() -> None:
        if compute_url is None:
            await asyncio.sleep(probes * interval)
            return
        shares = [
            requests // concurrency + (i < requests % concurrency) for i in range(concurrency)
        ]
        # every client finishes even if another failed: none is left running, none cut off
        clients = (_compute(session, compute_url, share, run) for share in shares)
        for outcome in await asyncio.gather(*clients, return_exceptions=True):
            if isinstance(outcome, BaseException):
                raise outcome

    loading = asyncio.create_task(load())
    sent: list[asyncio.Task[None]] = []
    try:
        while not loading.done():  # a probe every interval, whether earlier ones returned or not
            due = began + len(sent) * interval
            sent.append(asyncio.create_task(_probe(session, probe_url, began, due, run)))
            await asyncio.sleep(max(0.0, due + interval - time.perf_counter()))
    finally:
        loading.cancel()  # only if this coroutine was cancelled: otherwise it is done
        # the probes in flight are left to finish rather than cut off mid-request
        outcomes = await asyncio.gather(loading, *sent, return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    run.probes.sort(key=lambda probe: probe.sent)
    return run


def plot_probes(runs: Mapping[str, LoadRun], title: str, *, no_load: float) -> Figure:
    """Each run's probe latencies against when they were due (log scale), no-load median dashed."""
    if not runs:
        raise ValueError("runs is empty: pass at least one label -> LoadRun")
    with plt.style.context(COURSE_STYLE):
        fig, ax = plt.subplots()
        for label, run in runs.items():
            sent = [probe.sent for probe in run.probes]
            ax.plot(sent, [latency * 1e3 for latency in run.latencies], marker=".", label=label)
        ax.axhline(
            no_load * 1e3, color="black", linestyle="--", linewidth=1.5, label="no load: median"
        )
        ax.set_yscale("log")
        ax.set_xlabel("when the probe was due (s from the start of its run)")
        ax.set_ylabel("probe latency (ms)")
        ax.set_title(title)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=len(runs) + 1)
        fig.tight_layout()  # the legend below the axes, clear of the lines
    plt.close(fig)  # Jupyter shows it once, as the value of the cell that made it
    return fig
