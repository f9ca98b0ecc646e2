"""The local slow HTTP server in a child process, started and stopped from Python (07-aiohttp).

From Python: ``with SlowServer(latency=0.1) as server:`` (or ``async with``), then fetch
``f"{server.url}/json/1"``. From a terminal: ``python -m helpers.server --help``. The routes and
their delays are described in helpers.server.app.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeoutError
from typing import IO

from helpers.server.app import ServerConfig, check_port
from helpers.server.site import SITE_PAGES

STOP_GRACE = 5.0  # seconds the child gets to exit after SIGTERM before it is killed


def _read_first_line(stream: IO[bytes]) -> tuple[Future[bytes], threading.Thread]:
    line: Future[bytes] = Future()
    line.set_running_or_notify_cancel()  # a running future cannot be cancelled by a waiter
    reader = threading.Thread(target=lambda: line.set_result(stream.readline()), daemon=True)
    reader.start()
    return line, reader


class SlowServer:
    """The slow server in a child process, for `with` or `async with`; read .url."""

    def __init__(
        self,
        latency: float = 0.0,
        jitter: float = 0.0,
        error_rate: float = 0.0,
        seed: int | None = None,
        *,
        pages: int = SITE_PAGES,
        retry_after: int = 0,
        retry_after_date: bool = False,
        port: int = 0,
        start_timeout: float = 10.0,
    ) -> None:
        self.config = ServerConfig(
            latency, jitter, error_rate, seed, pages, retry_after, retry_after_date
        )
        check_port(port)
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
        """Base URL such as http://127.0.0.1:54321, without a trailing slash."""
        if self._url is None:
            raise RuntimeError("the server is not running: use `with SlowServer() as server:`")
        return self._url

    @property
    def pid(self) -> int:
        """Process id of the running server."""
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
                # a group of its own: a Ctrl-C or a Jupyter interrupt reaches us, not the child
                # (a group, not a session: it shares our CPU priority, make test's included)
                process_group=0 if os.name == "posix" else None,
            )
        except BaseException:
            stderr.close()
            raise
        self._stderr = stderr
        if self._process.stdout is None:
            raise RuntimeError("the server process has no stdout pipe")  # stdout=PIPE above
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
        """Start the child and wait until it serves; prefer `with SlowServer()`."""
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
        """Stop the child: SIGTERM, then kill after STOP_GRACE seconds."""
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
        """start() in a thread, so that the event loop keeps running meanwhile."""
        starting = asyncio.get_running_loop().run_in_executor(None, self.start)
        try:
            return await asyncio.shield(starting)
        except asyncio.CancelledError:
            # a thread cannot be interrupted: once start() is done, kill what it started
            starting.add_done_callback(self._kill_after_start)
            raise

    def _kill_after_start(self, starting: asyncio.Future[SlowServer]) -> None:
        if starting.exception() is None:  # start() failed: it has already cleaned up
            self._finish()

    async def stop_async(self) -> None:
        """stop() in a thread, so that the event loop keeps running meanwhile."""
        await asyncio.get_running_loop().run_in_executor(None, self.stop)

    def __enter__(self) -> SlowServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    async def __aenter__(self) -> SlowServer:
        return await self.start_async()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop_async()
