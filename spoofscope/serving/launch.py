"""Run ``spoofscope serve`` in a child process on a free port and wait until it is ready: what
the end-to-end tests, the crash test and ``benchmarks/service.py`` start the service with."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

from spoofscope.errors import ConfigError


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on now (the OS's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class ServerProcess:
    """``spoofscope serve --port <free> ARGS...`` as a child process.

    Args:
        args: further ``serve`` options (``--db``, ``--workers``, ...).
        log: file the server's output goes to (None: discarded).
        env: environment overrides (``OMP_NUM_THREADS`` is 1 unless given).
    """

    def __init__(
        self, args: list[str], log: Path | None = None, env: dict[str, str] | None = None
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.args = args
        self.log = log
        self.env = {**os.environ, "OMP_NUM_THREADS": "1", **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None
        self._out: object = None

    def start(self, timeout: float = 120.0) -> ServerProcess:
        """Start the server and return once ``/readyz`` answers ready.

        Raises:
            ConfigError: the server exited, or was not ready within ``timeout`` seconds.
        """
        cmd = [sys.executable, "-m", "spoofscope.cli.app", "serve", "--port", str(self.port)]
        out = self.log.open("ab") if self.log else subprocess.DEVNULL
        self._out = out
        self.proc = subprocess.Popen(
            [*cmd, *self.args], stdout=out, stderr=subprocess.STDOUT, env=self.env
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ConfigError("spoofscope serve", f"exited with code {self.proc.returncode}")
            if self.ready():
                return self
            time.sleep(0.2)
        self.kill()
        raise ConfigError("spoofscope serve", f"not ready within {timeout:g} s")

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/readyz", timeout=2) as response:
                return json.load(response).get("status") == "ready"
        except (OSError, urllib.error.URLError, ValueError):
            return False

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, as in a crash or an OOM kill."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self._close_log()

    def _close_log(self) -> None:
        if hasattr(self._out, "close"):
            self._out.close()  # type: ignore[union-attr]
        self._out = None

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM, and SIGKILL if the server has not stopped within ``timeout``."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self._close_log()

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
