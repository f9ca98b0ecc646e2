"""`python -m helpers.server`: serve until Ctrl-C, SIGTERM or end of input.

It prints its base URL on the first line of standard output, then serves.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import threading

from aiohttp import web

from helpers.measure.openfiles import raise_open_file_limit
from helpers.server.app import HOST, ServerConfig, check_port, make_app
from helpers.server.site import SITE_PAGES

BACKLOG = 8192  # pending connections the kernel may queue (Linux caps it at net.core.somaxconn)


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
        "--retry-after",
        type=int,
        default=0,
        help="answer each URL's first request 429 with this Retry-After (s), 0 for never",
    )
    parser.add_argument(
        "--retry-after-date",
        action="store_true",
        help="send Retry-After as an HTTP date (the next whole second plus its seconds)",
    )
    parser.add_argument(
        "--watch-stdin", action="store_true", help="also stop when standard input closes"
    )
    return parser


def main(argv: list[str] | None = None) -> None:
    """Run the slow server from the command line until stopped."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        check_port(args.port)
        config = ServerConfig(
            args.latency,
            args.jitter,
            args.error_rate,
            args.seed,
            args.pages,
            args.retry_after,
            args.retry_after_date,
        )
    except ValueError as exc:
        parser.error(str(exc))
    raise_open_file_limit()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(config, args.port, args.watch_stdin))


if __name__ == "__main__":
    main()
