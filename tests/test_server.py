"""Tests for helpers.server: the slow server starts, answers, misbehaves on purpose and stops."""

from __future__ import annotations

import asyncio
import email.utils
import json
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import aiohttp
import psutil
import pytest

from helpers.server.app import ServerConfig
from helpers.server.compute import COMPUTE_WORKERS, MAX_COMPUTE_N, WHERES
from helpers.server.process import SlowServer
from helpers.server.site import EXTERNAL_SITE, site_links, site_paths

CLI = [sys.executable, "-m", "helpers.server"]
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: no proxy
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX only: signals, rlimits")


def get(url: str) -> tuple[int, bytes]:
    """Status and body of a GET, error statuses included."""
    try:
        with _OPENER.open(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read()


def timed_get(url: str) -> float:
    start = time.perf_counter()
    status, _ = get(url)
    assert status == 200
    return time.perf_counter() - start


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_start_answers_and_stops():
    with SlowServer() as server:
        pid = server.pid
        assert server.url.startswith("http://127.0.0.1:")
        status, body = get(f"{server.url}/json/12")
        assert (status, json.loads(body)) == (200, {"id": 12, "square": 144})
        status, body = get(f"{server.url}/from/40/json/2")
        assert (status, json.loads(body)) == (200, {"id": 42, "square": 1764})
    assert gone(pid)
    with pytest.raises(RuntimeError, match="not running"):
        server.url  # noqa: B018


def test_routes_and_stats():
    with SlowServer() as server:
        status, body = get(f"{server.url}/page/7")
        assert status == 200
        assert b"<title>Page 7</title>" in body
        assert get(f"{server.url}/download?size=200000") == (200, bytes(200_000))
        assert get(f"{server.url}/download?size=-1")[0] == 400
        assert get(f"{server.url}/json/x")[0] == 404
        assert b"/stats" in get(f"{server.url}/")[1]
        assert timed_get(f"{server.url}/download?size=30000&rate=100000") >= 0.25
        stats = json.loads(get(f"{server.url}/stats")[1])
    assert stats["requests"] == 4  # /page, two /download and the timed one; not 404, /, /stats
    assert (stats["errors"], stats["in_flight"], stats["max_in_flight"]) == (0, 0, 1)
    assert stats["latency"] == 0 and stats["error_rate"] == 0
    assert isinstance(stats["seed"], int)


def test_latency_and_jitter():
    with SlowServer(latency=0.2, jitter=0.4, seed=7) as server:
        times = [timed_get(f"{server.url}/json/1") for _ in range(5)]
    assert min(times) >= 0.2
    assert max(times) < 2 * (0.2 + 0.4)  # twice latency + jitter: slack for a busy machine
    assert max(times) - min(times) > 0.15  # seed 7 draws delays from 0.28 to 0.57 s


async def _run_seeded(seed: int) -> tuple[list[int], list[int], dict[str, object]]:
    """Statuses of 300 concurrent GETs, of 20 retries of one URL, and the server's stats."""
    server = SlowServer(jitter=0.02, error_rate=0.3, seed=seed)  # jitter shuffles arrivals
    async with server, aiohttp.ClientSession() as session:

        async def status(path: str) -> int:
            async with session.get(server.url + path) as response:
                await response.read()
                return response.status

        concurrent = await asyncio.gather(*(status(f"/json/{i}") for i in range(300)))
        retries = [await status("/json/5") for _ in range(20)]
        async with session.get(f"{server.url}/stats") as response:
            stats = await response.json()
    return list(concurrent), retries, stats


def test_seeded_errors_repeat_whatever_the_arrival_order():
    first, first_retries, stats = asyncio.run(_run_seeded(7))
    second, second_retries, _ = asyncio.run(_run_seeded(7))
    other, _, _ = asyncio.run(_run_seeded(8))
    assert first == second
    assert first_retries == second_retries
    assert first != other
    assert set(first) == {200, 500, 503}
    assert 0.2 < sum(s != 200 for s in first) / len(first) < 0.4
    assert len(set(first_retries)) > 1  # a retry of a URL gets a fresh draw
    errors = sum(s != 200 for s in first + first_retries)
    assert (stats["requests"], stats["errors"], stats["seed"]) == (320, errors, 7)
    assert stats["max_in_flight"] > 1


def test_port_in_use_fails_fast():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        start = time.perf_counter()
        with pytest.raises(RuntimeError, match=f"--port {port}"):
            SlowServer(port=port).start()
        assert time.perf_counter() - start < 5
        result = subprocess.run([*CLI, "--port", str(port)], capture_output=True, timeout=10)
    assert result.returncode == 1
    assert result.stdout == b""
    assert f"--port {port}".encode() in result.stderr


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"latency": -1}, "latency"),
        ({"latency": "0.1"}, "latency"),
        ({"jitter": -0.1}, "jitter"),
        ({"error_rate": 1.5}, "error_rate"),
        ({"error_rate": -0.1}, "error_rate"),
        ({"port": -1}, "port"),
        ({"port": 65536}, "port"),
        *(({"pages": pages}, "pages") for pages in (0, 1.5, True, 100_001)),
        *(({"retry_after": wait}, "retry_after") for wait in (-1, 0.5, True, "1")),
    ],
)
def test_bad_parameters_raise_before_spawning(kwargs, name):
    with pytest.raises(ValueError, match=name):
        SlowServer(**kwargs)


def test_bad_seed_type():
    with pytest.raises(TypeError, match="seed"):
        ServerConfig(seed=1.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["--latency", "-1"], b"latency"),
        (["--error-rate", "1.5"], b"error_rate"),
        (["--port", "99999"], b"port"),
        (["--pages", "0"], b"pages"),
        (["--retry-after", "-1"], b"retry_after"),
    ],
)
def test_cli_bad_parameters(args, name):
    result = subprocess.run([*CLI, *args], capture_output=True, timeout=10)
    assert result.returncode == 2
    assert result.stdout == b""
    assert name in result.stderr


@posix_only
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_cli_prints_url_first_and_exits_cleanly(sig):
    with subprocess.Popen(
        [*CLI, "--port", "0", "--latency", "0.01"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as process:
        url = process.stdout.readline().decode().strip()
        assert url.startswith("http://127.0.0.1:")
        assert get(f"{url}/json/2") == (200, b'{"id": 2, "square": 4}')
        process.send_signal(sig)
        out, err = process.communicate(timeout=10)
    assert (process.returncode, out, err) == (0, b"", b"")


@pytest.mark.parametrize("error", [ValueError, KeyboardInterrupt])
def test_exception_in_block_stops_child(error):
    with pytest.raises(error), SlowServer() as server:
        pid = server.pid
        raise error
    assert gone(pid)


def test_async_form():
    async def main() -> tuple[int, dict[str, int]]:
        async with (
            SlowServer(latency=0.05) as server,
            aiohttp.ClientSession() as session,
            session.get(f"{server.url}/json/4") as response,
        ):
            return server.pid, await response.json()

    pid, document = asyncio.run(main())
    assert document == {"id": 4, "square": 16}
    assert gone(pid)


def test_sync_form_inside_running_loop():
    async def like_a_notebook_cell() -> int:
        with SlowServer() as server:
            return get(f"{server.url}/json/3")[0]

    assert asyncio.run(like_a_notebook_cell()) == 200


def test_start_timeout_is_a_clear_error():
    with pytest.raises(RuntimeError, match="start_timeout"):
        SlowServer(start_timeout=0.001).start()

    async def main() -> None:
        await SlowServer(start_timeout=0.001).start_async()

    with pytest.raises(RuntimeError, match="start_timeout"):
        asyncio.run(main())


@posix_only
def test_child_stops_when_parent_dies():
    code = (
        "import time; from helpers.server.process import SlowServer; "
        "print(SlowServer().start().pid, flush=True); time.sleep(60)"
    )
    with subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE) as parent:
        child = int(parent.stdout.readline())
        parent.kill()
    deadline = time.monotonic() + 5
    while not gone(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    if not gone(child):
        psutil.Process(child).kill()
        pytest.fail("the server outlived its parent")


# The generated site under /site/ (15-capstone-crawler)


def test_site_links_repeat_per_seed_and_reach_every_page():
    assert site_links(3, 300) == site_links(3, 300)
    assert site_links(3, 300) != site_links(4, 300)
    pages, dead = site_paths(3, 300)
    assert pages == {f"/site/{n}" for n in range(300)}, "every page is reachable from /site/0"
    assert dead and all(int(path.rsplit("/", 1)[1]) >= 300 for path in dead)
    hrefs = [href for page in site_links(3, 300) for href in page]
    assert any(href.startswith(EXTERNAL_SITE) for href in hrefs), "links to skip"
    assert any("#" in href for href in hrefs), "links with a fragment"
    assert any(not href.startswith(("/", "http")) for href in hrefs), "relative links"
    assert site_paths(3, 1) == ({"/site/0"}, set())


def test_site_is_served_slow_and_counted():
    with SlowServer(latency=0.05, seed=3, pages=20) as server:
        status, body = get(f"{server.url}/site/5")
        missing = get(f"{server.url}/site/20")
        stats = json.loads(get(f"{server.url}/stats")[1])
    assert status == 200 and b"<title>Site page 5</title>" in body
    assert re.findall(r'href="([^"]*)"', body.decode()) == list(site_links(3, 20)[5])
    assert missing[0] == 404
    assert (stats["requests"], stats["errors"], stats["pages"]) == (2, 0, 20)


# Rate limiting: 429 with Retry-After (08-timeouts-retries-and-streams)


def test_retry_after_refuses_each_url_until_its_wait_has_passed():
    with SlowServer(retry_after=1) as server:
        first = urllib.request.Request(f"{server.url}/json/3")
        try:
            _OPENER.open(first, timeout=10)
            pytest.fail("the first request of a URL is answered 429")
        except urllib.error.HTTPError as error:
            with error:
                assert (error.code, error.headers["Retry-After"]) == (429, "1")
                assert b"retry after 1 s" in error.read()
        assert get(f"{server.url}/json/3")[0] == 429, "too soon: refused again"
        assert get(f"{server.url}/json/4")[0] == 429, "each URL has its own first refusal"
        time.sleep(1.05)  # a lower bound: sleep never returns early
        late = get(f"{server.url}/json/3")
        assert get(f"{server.url}/json/3") == late, "once served, a URL stays served"
        stats = json.loads(get(f"{server.url}/stats")[1])
    assert late == (200, b'{"id": 3, "square": 9}')
    assert (stats["requests"], stats["throttled"], stats["errors"]) == (5, 3, 0)
    assert stats["retry_after"] == 1


def test_retry_after_as_an_http_date_is_never_too_early():
    with SlowServer(retry_after=2, retry_after_date=True) as server:
        before = time.time()
        try:
            _OPENER.open(f"{server.url}/json/3", timeout=10)
            pytest.fail("the first request of a URL is answered 429")
        except urllib.error.HTTPError as error:
            with error:
                assert error.code == 429
                until = email.utils.parsedate_to_datetime(error.headers["Retry-After"])
        wait = until.timestamp() - before
        assert 2 <= wait <= 3 + 1, "the next whole second plus retry_after (and a busy second)"
        time.sleep(max(0.0, until.timestamp() - time.time()))
        assert get(f"{server.url}/json/3")[0] == 200, "waiting until the date was enough"
        stats = json.loads(get(f"{server.url}/stats")[1])
    assert (stats["throttled"], stats["retry_after_date"]) == (1, True)


def test_order_lists_the_requests_as_the_server_finished_them():
    async def main(url: str) -> dict[str, list[str]]:
        async with aiohttp.ClientSession() as session:

            async def read(path: str) -> None:
                async with session.get(url + path) as response:
                    await response.read()

            await asyncio.gather(read("/download?size=20000&rate=50000"), read("/json/1"))
            await read("/page/2")
            async with session.get(f"{url}/order") as response:
                return await response.json()

    with SlowServer(latency=0.05, retry_after=0) as server:
        order = asyncio.run(main(server.url))
    assert order == {"ended": ["/json/1", "/download?size=20000&rate=50000", "/page/2"]}


def test_no_retry_after_by_default():
    with SlowServer() as server:
        assert get(f"{server.url}/json/3")[0] == 200
        stats = json.loads(get(f"{server.url}/stats")[1])
    assert (stats["throttled"], stats["retry_after"]) == (0, 0)


def test_retry_after_is_passed_on_to_the_server_process():
    config = ServerConfig(retry_after=3, retry_after_date=True)
    assert config.to_args()[-3:] == ["--retry-after", "3", "--retry-after-date"]


def test_bad_retry_after_date():
    with pytest.raises(TypeError, match="retry_after_date"):
        ServerConfig(retry_after=1, retry_after_date=1)  # type: ignore[arg-type]


# The /compute route: the course's CPU work on the loop, in a thread or in a pool (08)


def test_compute_sums_where_asked_and_stops_its_pool():
    with SlowServer() as server:
        answers = {
            where: json.loads(get(f"{server.url}/compute?n=1000&where={where}")[1])
            for where in WHERES
        }
        default = json.loads(get(f"{server.url}/compute?n=10")[1])
        processes = psutil.Process(server.pid).children(recursive=True)
        assert len(processes) >= COMPUTE_WORKERS, "the pool's workers run beside the server"
    for where, answer in answers.items():
        assert (answer["n"], answer["where"], answer["sum"]) == (1000, where, 332_833_500)
        assert answer["cpu_s"] >= 0
    assert (default["where"], default["sum"]) == ("loop", 285)
    assert psutil.wait_procs(processes, timeout=5)[1] == [], "the pool stops with the server"


@pytest.mark.parametrize(
    "query", ["n=-1", "n=x", "", f"n={MAX_COMPUTE_N + 1}", "n=10&where=gpu", "n=1.5"]
)
def test_compute_bad_query(query):
    with SlowServer() as server:
        status, body = get(f"{server.url}/compute?{query}")
    assert status == 400
    assert body.startswith((b"n must be", b"where must be"))


def test_compute_on_the_loop_holds_other_requests_and_the_pool_does_not():
    async def finish_order(where: str) -> list[str]:
        order: list[str] = []

        async def fetch(session: aiohttp.ClientSession, path: str, label: str) -> None:
            async with session.get(server.url + path) as response:
                await response.read()
            order.append(label)

        async with aiohttp.ClientSession() as session:
            await fetch(session, "/compute?n=0&where=pool", "warm-up")  # starts the pool
            order.clear()
            computing = asyncio.create_task(
                fetch(session, f"/compute?n=3000000&where={where}", "compute")
            )
            await asyncio.sleep(0.05)  # the sum (about 0.2 s of CPU) has started
            await fetch(session, "/stats", "stats")
            await computing
        return order

    with SlowServer() as server:
        assert asyncio.run(finish_order("loop")) == ["compute", "stats"]
        assert asyncio.run(finish_order("pool")) == ["stats", "compute"]
