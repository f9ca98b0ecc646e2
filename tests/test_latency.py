"""Tests for helpers.lessons.latency: probes at a steady rate, beside a load or without one."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from matplotlib.figure import Figure

from helpers.lessons.latency import LoadRun, Probe, plot_probes, probe_under_load

HOLD = 0.05  # seconds that /block holds the loop


async def _pong(request: web.Request) -> web.Response:
    return web.Response(text="pong")


async def _block(request: web.Request) -> web.Response:
    time.sleep(HOLD)  # holds the server's loop, as a sum computed in the handler would
    return web.json_response({"held": HOLD})


async def _serve_and(loaded: bool, **options: Any) -> LoadRun:
    app = web.Application()
    app.router.add_get("/ping", _pong)
    app.router.add_get("/block", _block)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        base = f"http://127.0.0.1:{runner.addresses[0][1]}"
        async with aiohttp.ClientSession() as session:
            load = f"{base}/block" if loaded else None
            return await probe_under_load(session, f"{base}/ping", load, **options)
    finally:
        await runner.cleanup()


def test_without_load_it_sends_the_probes_asked_for():
    run = asyncio.run(_serve_and(False, probes=5, interval=0.01))
    assert 5 <= len(run.probes) <= 6
    assert run.answers == []
    assert [probe.sent for probe in run.probes] == sorted(probe.sent for probe in run.probes)
    assert run.worst == max(run.latencies) and run.median <= run.worst


def test_probes_wait_for_a_load_that_holds_the_loop():
    # server and client share one loop here: each probe is timed from when it was due
    run = asyncio.run(_serve_and(True, requests=3, concurrency=1, interval=0.01))
    assert run.answers == [{"held": HOLD}] * 3
    assert run.worst >= HOLD * 0.9, "a probe due while /block held the loop waited for it"


@pytest.mark.parametrize(
    ("options", "match"),
    [({"requests": 1, "concurrency": 2}, "requests >= concurrency"), ({"interval": 0}, "interval")],
)
def test_bad_options(options, match):
    with pytest.raises(ValueError, match=match):
        asyncio.run(_serve_and(True, **options))


def test_plot_probes():
    run = LoadRun([Probe(0.0, 0.001), Probe(0.01, 0.05)], [])
    figure = plot_probes({"blocked": run}, "title", no_load=0.001)
    assert isinstance(figure, Figure)
    assert figure.axes[0].get_title() == "title"
    with pytest.raises(ValueError, match="runs is empty"):
        plot_probes({}, "title", no_load=0.001)
