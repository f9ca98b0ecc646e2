"""A local slow HTTP server in its own process, to fetch from without the internet (05-aiohttp).

Routes (the first four are "slow": each request waits its delay and may get an injected error):

- ``/page/{n}``: a small HTML page titled "Page n".
- ``/json/{n}``: the JSON document ``{"id": n, "square": n * n}``.
- ``/download?size=BYTES[&rate=BYTES_PER_S]``: BYTES zero bytes streamed in chunks, at most
  RATE bytes a second when rate is given (default size 1,000,000, unlimited rate).
- ``/site/{n}``: page n of a generated site of linked pages, the same for the same seed and
  number of pages (``--pages``); a page beyond the last is a 404. See ``site_links``.
- ``/stats``: counts of slow requests received, errors injected, requests in flight now and at
  most, plus the server's parameters (including the seed it used). Never delayed, never fails.
- ``/``: an HTML index of these routes.

Each slow request waits ``latency + jitter * u`` seconds, u uniform in [0, 1): latency is the
minimum and jitter the spread above it. Then, with probability error_rate, it is answered with
status 500 or 503 (half each) instead of its content.

Reproducibility: a request's delay and error are drawn from a hash of the seed, its path and
query, and how many earlier requests had that same path and query. So the same seed gives every
URL the same fate whatever order concurrent requests arrive in, and a retry of a URL gets a
fresh draw. Without a seed the server picks one at random and reports it in ``/stats``.

From Python: ``with SlowServer(latency=0.1) as server:`` (or ``async with``), then fetch
``f"{server.url}/json/1"``. From a terminal: ``python -m helpers.server --help``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import hashlib
import html
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeoutError
from dataclasses import asdict, dataclass, field
from types import TracebackType
from typing import IO
from urllib.parse import urljoin, urlsplit

from aiohttp import web

from helpers.openfiles import raise_open_file_limit

HOST = "127.0.0.1"
BACKLOG = 8192  # pending connections the kernel may queue (Linux caps it at net.core.somaxconn)
MAX_DOWNLOAD = 2**30  # largest /download size in bytes
STOP_GRACE = 5.0  # seconds the child gets to exit after SIGTERM before it is killed
SITE_PAGES = 300  # pages in the generated site under /site/ unless --pages says otherwise
MAX_SITE_PAGES = 100_000
EXTERNAL_SITE = "http://example.invalid"  # other-host links: .invalid never resolves (RFC 2606)

_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass(frozen=True)
class ServerConfig:
    """Latency, jitter, error rate and seed of the slow server, checked on creation (05-aiohttp)."""

    latency: float = 0.0
    jitter: float = 0.0
    error_rate: float = 0.0
    seed: int | None = None
    pages: int = SITE_PAGES

    def __post_init__(self) -> None:
        for name in ("latency", "jitter"):
            value = getattr(self, name)
            if not (_is_number(value) and 0 <= value < float("inf")):
                raise ValueError(f"{name} must be a number of seconds >= 0, got {value!r}")
        if not (_is_number(self.error_rate) and 0 <= self.error_rate <= 1):
            raise ValueError(f"error_rate must be a fraction from 0 to 1, got {self.error_rate!r}")
        seed = self.seed
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise TypeError(f"seed must be an int or None, got {type(seed).__name__}")
        _check_pages(self.pages)

    def to_args(self) -> list[str]:
        """The command-line options that give the server this config (05-aiohttp)."""
        args = ["--latency", str(self.latency), "--jitter", str(self.jitter)]
        args += ["--error-rate", str(self.error_rate), "--pages", str(self.pages)]
        return args if self.seed is None else [*args, "--seed", str(self.seed)]


def _check_pages(pages: int) -> None:
    if isinstance(pages, bool) or not isinstance(pages, int) or not 1 <= pages <= MAX_SITE_PAGES:
        raise ValueError(f"pages must be an int from 1 to {MAX_SITE_PAGES:,}, got {pages!r}")


def _check_port(port: int) -> None:
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise ValueError(f"port must be an int from 0 (the OS picks one) to 65535, got {port!r}")


@dataclass
class _State:
    config: ServerConfig
    seed: int
    seen: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    errors: int = 0
    in_flight: int = 0
    max_in_flight: int = 0

    def fate(self, target: str) -> tuple[float, int]:
        """Delay in seconds and status (200, 500 or 503) for the next request of target."""
        occurrence = self.seen.get(target, 0)
        self.seen[target] = occurrence + 1
        key = f"{self.seed} {occurrence} {target}".encode()
        digest = hashlib.blake2b(key, digest_size=16).digest()
        u_delay = int.from_bytes(digest[:8], "big") / 2**64
        u_error = int.from_bytes(digest[8:], "big") / 2**64
        delay = self.config.latency + self.config.jitter * u_delay
        if u_error < self.config.error_rate / 2:
            return delay, 500
        if u_error < self.config.error_rate:
            return delay, 503
        return delay, 200


_STATE = web.AppKey("state", _State)


def _slow(handler: _Handler) -> _Handler:
    """Make a route wait each request's delay and answer some requests with an error."""

    async def slow_handler(request: web.Request) -> web.StreamResponse:
        state = request.app[_STATE]
        delay, status = state.fate(request.path_qs)
        state.requests += 1
        state.in_flight += 1
        state.max_in_flight = max(state.max_in_flight, state.in_flight)
        try:
            await asyncio.sleep(delay)
            if status != 200:
                state.errors += 1
                return web.Response(status=status, text=f"injected error {status}\n")
            return await handler(request)
        finally:
            state.in_flight -= 1

    return slow_handler


async def _index(request: web.Request) -> web.Response:
    paths = ["/page/1", "/json/1", "/site/0", "/download?size=100000&rate=50000", "/stats"]
    links = [html.escape(path) for path in paths]
    items = "".join(f'<li><a href="{link}">{link}</a></li>' for link in links)
    text = f"<!DOCTYPE html><title>Slow server</title><h1>Slow server</h1><ul>{items}</ul>\n"
    return web.Response(text=text, content_type="text/html")


async def _page(request: web.Request) -> web.Response:
    n = int(request.match_info["n"])
    text = (
        f"<!DOCTYPE html><html><head><title>Page {n}</title></head>"
        f"<body><h1>Page {n}</h1><p>This is page {n} of the slow server.</p></body></html>\n"
    )
    return web.Response(text=text, content_type="text/html")


async def _json(request: web.Request) -> web.Response:
    n = int(request.match_info["n"])
    return web.json_response({"id": n, "square": n * n})


def _query_number(request: web.Request, name: str, default: float, maximum: float) -> float:
    try:
        value = float(request.query.get(name, default))
    except ValueError:
        value = -1.0
    if not 0 <= value <= maximum:
        raise web.HTTPBadRequest(text=f"{name} must be a number from 0 to {maximum:g}\n")
    return value


async def _download(request: web.Request) -> web.StreamResponse:
    size = int(_query_number(request, "size", 1_000_000, MAX_DOWNLOAD))
    rate = _query_number(request, "rate", 0, float("inf"))
    # about ten chunks a second when the rate is limited, so progress bars move smoothly
    chunk = bytes(65536 if rate == 0 else max(1, min(65536, int(rate / 10))))
    response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
    response.content_length = size
    await response.prepare(request)
    sent = 0
    while sent < size:
        part = chunk[: size - sent]
        if rate:
            await asyncio.sleep(len(part) / rate)
        await response.write(part)
        sent += len(part)
    await response.write_eof()
    return response


@functools.lru_cache(maxsize=16)
def site_links(seed: int, pages: int) -> tuple[tuple[str, ...], ...]:
    """The hrefs on each page of the generated site, indexed by page number (09-capstone).

    A random tree links every page from /site/0; each page also links to up to three random
    others. Some links are written relative ("12"), some carry a fragment ("/site/12#links"),
    some point past the last page (a 404) and some to another host, which a crawler must skip.
    """
    _check_pages(pages)
    rng = random.Random(f"site {seed} {pages}")
    targets: list[set[int]] = [set() for _ in range(pages)]
    for child in range(1, pages):
        targets[rng.randrange(child)].add(child)
    site = []
    for n in range(pages):
        others = [m for m in rng.sample(range(pages), min(pages, 4)) if m != n]
        internal = sorted(targets[n].union(others[:3]))
        hrefs = [f"/site/{m}" for m in internal]
        if hrefs and rng.random() < 0.3:
            index = rng.randrange(len(hrefs))
            hrefs[index] = str(internal[index])  # relative to /site/n
        if hrefs and rng.random() < 0.3:
            hrefs.append(f"/site/{rng.choice(internal)}#links")
        if rng.random() < 0.1:
            hrefs.append(f"/site/{pages + rng.randrange(pages)}")
        if rng.random() < 0.2:
            hrefs.append(f"{EXTERNAL_SITE}/site/{rng.randrange(pages)}")
        rng.shuffle(hrefs)
        site.append(tuple(hrefs))
    return tuple(site)


def site_paths(seed: int, pages: int) -> tuple[frozenset[str], frozenset[str]]:
    """Paths a crawler from /site/0 must reach: (pages that exist, dead links) (09-capstone)."""
    links = site_links(seed, pages)
    found, to_visit = {"/site/0"}, ["/site/0"]
    while to_visit:
        path = to_visit.pop()
        n = int(path.rsplit("/", 1)[1])
        for href in links[n] if n < pages else ():
            parts = urlsplit(urljoin(path, href))
            if not parts.netloc and parts.path not in found:
                found.add(parts.path)
                to_visit.append(parts.path)
    dead = {path for path in found if int(path.rsplit("/", 1)[1]) >= pages}
    return frozenset(found - dead), frozenset(dead)


async def _site_page(request: web.Request) -> web.Response:
    state = request.app[_STATE]
    n, pages = int(request.match_info["n"]), state.config.pages
    if n >= pages:
        raise web.HTTPNotFound(text=f"no page {n}: the site has pages 0 to {pages - 1}\n")
    hrefs = [html.escape(href) for href in site_links(state.seed, pages)[n]]
    items = "".join(f'<li><a href="{href}">{href}</a></li>' for href in hrefs)
    text = (
        f"<!DOCTYPE html><html><head><title>Site page {n}</title></head>"
        f"<body><h1>Site page {n}</h1><ul>{items}</ul></body></html>\n"
    )
    return web.Response(text=text, content_type="text/html")


async def _stats(request: web.Request) -> web.Response:
    state = request.app[_STATE]
    counts = {
        "requests": state.requests,
        "errors": state.errors,
        "in_flight": state.in_flight,
        "max_in_flight": state.max_in_flight,
    }
    return web.json_response({**counts, **asdict(state.config), "seed": state.seed})


def make_app(config: ServerConfig) -> web.Application:
    """Build the slow server's aiohttp application with its routes (05-aiohttp)."""
    seed = secrets.randbits(32) if config.seed is None else config.seed
    app = web.Application()
    app[_STATE] = _State(config, seed)
    app.router.add_get("/", _index)
    app.router.add_get(r"/page/{n:\d+}", _slow(_page))
    app.router.add_get(r"/json/{n:\d+}", _slow(_json))
    app.router.add_get("/download", _slow(_download))
    app.router.add_get(r"/site/{n:\d+}", _slow(_site_page))
    app.router.add_get("/stats", _stats)
    return app


def _stop_on_stdin_eof(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    # os.read, not sys.stdin: a daemon thread blocked inside sys.stdin would hold its lock
    # and crash the interpreter's shutdown
    while os.read(0, 4096):
        pass
    loop.call_soon_threadsafe(stop.set)


async def _serve(config: ServerConfig, port: int, watch_stdin: bool) -> None:
    # on stop, requests in flight get 0.1 s to finish before they are cancelled (0 means forever)
    runner = web.AppRunner(make_app(config), access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    try:
        site = web.TCPSite(runner, HOST, port, backlog=BACKLOG)
        try:
            await site.start()
        except OSError as exc:
            raise SystemExit(
                f"python -m helpers.server: error: --port {port}: {exc.strerror}"
            ) from None
        print(f"http://{HOST}:{runner.addresses[0][1]}", flush=True)
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            # Windows has no signal handlers in asyncio: Ctrl-C raises KeyboardInterrupt instead
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        if watch_stdin:
            threading.Thread(target=_stop_on_stdin_eof, args=(loop, stop), daemon=True).start()
        await stop.wait()
    finally:
        await runner.cleanup()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.server",
        description="Serve slow pages on 127.0.0.1; print the base URL first, then serve "
        "until Ctrl-C or SIGTERM.",
    )
    parser.add_argument("--port", type=int, default=0, help="port, 0 to let the OS pick one")
    parser.add_argument("--latency", type=float, default=0.0, help="minimum delay per request (s)")
    parser.add_argument("--jitter", type=float, default=0.0, help="random extra delay up to (s)")
    parser.add_argument("--error-rate", type=float, default=0.0, help="fraction of 500/503 errors")
    parser.add_argument("--seed", type=int, default=None, help="seed for delays and errors")
    parser.add_argument(
        "--pages", type=int, default=SITE_PAGES, help="pages in the generated site under /site/"
    )
    parser.add_argument(
        "--watch-stdin", action="store_true", help="also stop when standard input closes"
    )
    return parser


def main(argv: list[str] | None = None) -> None:
    """Run the slow server from the command line until stopped (05-aiohttp)."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        _check_port(args.port)
        config = ServerConfig(args.latency, args.jitter, args.error_rate, args.seed, args.pages)
    except ValueError as exc:
        parser.error(str(exc))
    raise_open_file_limit()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(config, args.port, args.watch_stdin))


def _read_first_line(stream: IO[bytes]) -> tuple[Future[bytes], threading.Thread]:
    line: Future[bytes] = Future()
    line.set_running_or_notify_cancel()  # a running future cannot be cancelled by a waiter
    reader = threading.Thread(target=lambda: line.set_result(stream.readline()), daemon=True)
    reader.start()
    return line, reader


class SlowServer:
    """The slow server in a child process, for `with` or `async with`; read .url (05-aiohttp)."""

    def __init__(
        self,
        latency: float = 0.0,
        jitter: float = 0.0,
        error_rate: float = 0.0,
        seed: int | None = None,
        *,
        pages: int = SITE_PAGES,
        port: int = 0,
        start_timeout: float = 10.0,
    ) -> None:
        self.config = ServerConfig(latency, jitter, error_rate, seed, pages)
        _check_port(port)
        self.port = port
        self.start_timeout = start_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._reader: threading.Thread | None = None
        self._url: str | None = None

    def __repr__(self) -> str:
        where = self._url or "not running"
        return f"SlowServer({where}, {self.config})"

    @property
    def url(self) -> str:
        """Base URL such as http://127.0.0.1:54321, without a trailing slash (05-aiohttp)."""
        if self._url is None:
            raise RuntimeError("the server is not running: use `with SlowServer() as server:`")
        return self._url

    @property
    def pid(self) -> int:
        """Process id of the running server (05-aiohttp)."""
        if self._process is None:
            raise RuntimeError("the server is not running: use `with SlowServer() as server:`")
        return self._process.pid

    def _spawn(self) -> Future[bytes]:
        if self._process is not None:
            raise RuntimeError(f"the server is already running at {self._url}")
        command = [sys.executable, "-m", "helpers.server", "--port", str(self.port)]
        command += [*self.config.to_args(), "--watch-stdin"]
        # a file, not a pipe: the child can never block on a full pipe, and we read it on failure
        stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed in _finish)
        try:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,  # the child stops when this closes, even if we die abruptly
                stdout=subprocess.PIPE,
                stderr=stderr,
                start_new_session=True,  # a Ctrl-C or Jupyter interrupt reaches us, not the child
            )
        except BaseException:
            stderr.close()
            raise
        self._stderr = stderr
        line, self._reader = _read_first_line(self._process.stdout)
        return line

    def _started(self, line: bytes) -> None:
        text = line.decode(errors="replace").strip()
        if not text.startswith("http://"):
            stderr = self._finish()
            raise RuntimeError(
                f"the server process did not print its URL (its first line was {text!r}); "
                f"its stderr:\n{stderr}"
            )
        self._url = text

    def _timed_out(self) -> RuntimeError:
        stderr = self._finish()
        return RuntimeError(
            f"the server did not print its URL within start_timeout={self.start_timeout} s; "
            f"its stderr:\n{stderr}"
        )

    def _finish(self) -> str:
        """Kill the child if still running, reap it, close its pipes and return its stderr."""
        process, reader, stderr_file = self._process, self._reader, self._stderr
        if process is None or reader is None or stderr_file is None:
            return ""
        if process.poll() is None:
            process.kill()
        process.wait()
        reader.join()
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()
        stderr_file.seek(0)
        stderr = stderr_file.read().decode(errors="replace")
        stderr_file.close()
        self._process = self._reader = self._stderr = self._url = None
        return stderr

    def start(self) -> SlowServer:
        """Start the child and wait until it serves; prefer `with SlowServer()` (05-aiohttp)."""
        line = self._spawn()
        try:
            self._started(line.result(timeout=self.start_timeout))
        except FutureTimeoutError:
            raise self._timed_out() from None
        except BaseException:
            self._finish()
            raise
        return self

    def stop(self) -> None:
        """Stop the child: SIGTERM, then kill after STOP_GRACE seconds (05-aiohttp)."""
        if self._process is None:
            return
        try:
            self._process.terminate()
            self._process.wait(timeout=STOP_GRACE)
        except subprocess.TimeoutExpired:
            pass
        finally:
            self._finish()

    async def start_async(self) -> SlowServer:
        """Start the child and wait until it serves, without blocking the loop (05-aiohttp)."""
        line = self._spawn()
        try:
            first = await asyncio.wait_for(asyncio.wrap_future(line), self.start_timeout)
            self._started(first)
        except asyncio.TimeoutError:
            raise self._timed_out() from None
        except BaseException:
            self._finish()
            raise
        return self

    async def stop_async(self) -> None:
        """Stop the child like stop(), waiting without blocking the loop (05-aiohttp)."""
        if self._process is None:
            return
        try:
            self._process.terminate()
            deadline = time.monotonic() + STOP_GRACE
            while self._process.poll() is None and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
        finally:
            self._finish()

    def __enter__(self) -> SlowServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> SlowServer:
        return await self.start_async()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop_async()


if __name__ == "__main__":
    main()
