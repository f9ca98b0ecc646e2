"""The slow server's aiohttp application: its routes, delays and injected errors.

Routes (the first five are "slow": each request waits its delay and may get an injected error):

- ``/page/{n}``: a small HTML page titled "Page n".
- ``/json/{n}``: the JSON document ``{"id": n, "square": n * n}``.
- ``/from/{first}/json/{n}``: the same documents numbered from ``first``: ``/from/40/json/0`` is
  ``{"id": 40, "square": 1600}`` (07's self-check: a sum worked out from n cannot match them).
- ``/download?size=BYTES[&rate=BYTES_PER_S]``: BYTES zero bytes streamed in chunks, at most
  RATE bytes a second when rate is given (default size 1,000,000, unlimited rate).
- ``/site/{n}``: page n of a generated site of linked pages, the same for the same seed and
  number of pages (``--pages``); a page beyond the last is a 404. See ``site_links``.
- ``/compute?n=N[&where=loop|thread|pool]``: sum_of_squares(N), the course's CPU work, computed
  on the server's event loop, in a thread or in a process pool; never delayed, no injected
  errors (a bad n or where is a 400). See helpers.server.compute.
- ``/stats``: counts of slow requests received, errors injected, requests in flight now and at
  most, connections that carried a slow request (``connections``), plus the server's parameters
  (including the seed it used). Never delayed, never fails.
- ``/order``: ``{"ended": [...]}``, the path and query of each slow request (429 refusals
  aside), in the order the server finished with them: answered, or dropped by the client.
- ``/``: an HTML index of these routes.

Each slow request waits ``latency + jitter * u`` seconds, u uniform in [0, 1): latency is the
minimum and jitter the spread above it. Then, with probability error_rate, it is answered with
status 500 or 503 (half each) instead of its content.

Rate limiting (``retry_after`` seconds, a whole number; 0, the default, turns it off): the first
request of each path and query is answered at once with status 429 (Too Many Requests) and the
header ``Retry-After: <retry_after>``, and so is every later request of it that arrives sooner
than ``retry_after`` seconds after its last 429. A client that waits what the header says is
served at its second attempt; one that retries sooner is refused again. ``/stats`` counts the
429 answers as ``throttled`` (they are requests, not injected errors). With
``retry_after_date``, the header is the other form RFC 9110 allows, an HTTP date: the next
whole second plus ``retry_after`` seconds, so that waiting until then waits long enough.

Reproducibility: a request's delay and error are drawn from a hash of the seed, its path and
query, and how many earlier requests had that same path and query. So the same seed gives every
URL the same fate whatever order concurrent requests arrive in, and a retry of a URL gets a
fresh draw. Without a seed the server picks one at random and reports it in ``/stats``.

"""

from __future__ import annotations

import asyncio
import email.utils
import hashlib
import html
import math
import secrets
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field

from aiohttp import web

from helpers.server.compute import add_compute_route
from helpers.server.site import SITE_PAGES, check_pages, site_links

HOST = "127.0.0.1"  # the server listens on loopback only: nothing reaches the internet
MAX_DOWNLOAD = 2**30  # largest /download size in bytes

_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass(frozen=True)
class ServerConfig:
    """Latency, jitter, error rate and seed of the slow server, checked on creation."""

    latency: float = 0.0
    jitter: float = 0.0
    error_rate: float = 0.0
    seed: int | None = None
    pages: int = SITE_PAGES
    retry_after: int = 0
    retry_after_date: bool = False

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
        check_pages(self.pages)
        retry_after = self.retry_after
        if isinstance(retry_after, bool) or not isinstance(retry_after, int) or retry_after < 0:
            raise ValueError(f"retry_after must be whole seconds >= 0, got {retry_after!r}")
        if not isinstance(self.retry_after_date, bool):
            raise TypeError(f"retry_after_date must be a bool, got {self.retry_after_date!r}")

    def to_args(self) -> list[str]:
        """The command-line options that give the server this config."""
        args = ["--latency", str(self.latency), "--jitter", str(self.jitter)]
        args += ["--error-rate", str(self.error_rate), "--pages", str(self.pages)]
        args += ["--retry-after", str(self.retry_after)]
        args += ["--retry-after-date"] if self.retry_after_date else []
        return args if self.seed is None else [*args, "--seed", str(self.seed)]


def check_port(port: int) -> None:
    """Raise ValueError unless port is an int from 0 to 65535."""
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
    throttled: int = 0
    refused_at: dict[str, float] = field(default_factory=dict)
    ended: list[str] = field(default_factory=list)
    connections: int = 0
    transports: weakref.WeakSet[object] = field(default_factory=weakref.WeakSet)

    def count_connection(self, transport: object) -> None:
        """Count transport's connection the first time one of its requests arrives."""
        if transport is not None and transport not in self.transports:
            self.transports.add(transport)
            self.connections += 1

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

    def refuse(self, target: str) -> bool:
        """Whether to answer this request of target with 429: first, or sooner than retry_after."""
        wait = self.config.retry_after
        if not wait:
            return False
        now = time.monotonic()
        last = self.refused_at.get(target)
        if last is not None and now - last >= wait:
            return False
        self.refused_at[target] = now
        return True

    def retry_after_header(self) -> str:
        """The Retry-After value of a 429: seconds, or the HTTP date they lead to."""
        wait = self.config.retry_after
        if not self.config.retry_after_date:
            return str(wait)
        return email.utils.formatdate(math.ceil(time.time()) + wait, usegmt=True)


_STATE = web.AppKey("state", _State)


def _slow(handler: _Handler) -> _Handler:
    """Make a route wait each request's delay and answer some requests with an error."""

    async def slow_handler(request: web.Request) -> web.StreamResponse:
        state = request.app[_STATE]
        state.count_connection(request.transport)
        if state.refuse(request.path_qs):
            state.requests += 1
            state.throttled += 1
            wait = state.retry_after_header()
            unit = "" if state.config.retry_after_date else " s"
            text = f"too many requests: retry after {wait}{unit}\n"
            return web.Response(status=429, headers={"Retry-After": wait}, text=text)
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
            state.ended.append(request.path_qs)

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
    n = int(request.match_info.get("first", 0)) + int(request.match_info["n"])
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
        "throttled": state.throttled,
        "connections": state.connections,
    }
    return web.json_response({**counts, **asdict(state.config), "seed": state.seed})


async def _order(request: web.Request) -> web.Response:
    return web.json_response({"ended": request.app[_STATE].ended})


def make_app(config: ServerConfig) -> web.Application:
    """Build the slow server's aiohttp application with its routes."""
    seed = secrets.randbits(32) if config.seed is None else config.seed
    app = web.Application()
    app[_STATE] = _State(config, seed)
    app.router.add_get("/", _index)
    app.router.add_get(r"/page/{n:\d+}", _slow(_page))
    app.router.add_get(r"/json/{n:\d+}", _slow(_json))
    app.router.add_get(r"/from/{first:\d+}/json/{n:\d+}", _slow(_json))
    app.router.add_get("/download", _slow(_download))
    app.router.add_get(r"/site/{n:\d+}", _slow(_site_page))
    app.router.add_get("/stats", _stats)
    app.router.add_get("/order", _order)
    add_compute_route(app)
    return app
