"""What keeps one client from taking the service down: a body size limit enforced while the body
streams in, a deadline on each chunk of it, and a per-client rate limit."""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyTooLargeError(Exception):
    """The request body passed the size limit (raised from inside the body stream)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"request body: larger than the {limit_text(limit)} limit")


class BodyTimeoutError(Exception):
    """The client stopped sending its body (raised from inside the body stream)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"request body: no data for {seconds:g} s")


def limit_text(limit: int) -> str:
    """``50 MB`` for a byte limit (MiB, as ``--max-upload-mb`` counts them)."""
    mb = limit / 2**20
    return f"{mb:g} MB" if mb >= 1 else f"{limit} bytes"


class BodyLimit:
    """ASGI middleware: refuse a body over ``limit`` bytes before reading it (by its
    Content-Length) or as soon as it passes the limit (a chunked body, or one that lies), so no
    more than ``limit`` bytes of a request are ever read; and give up on a client that sends
    nothing for ``chunk_timeout`` seconds. The errors are raised from ``receive``, inside the
    handler reading the body; the app's handlers turn them into 413 and 408.
    """

    def __init__(self, app: ASGIApp, limit: int, chunk_timeout: float = 30.0) -> None:
        self.app = app
        self.limit = limit
        self.chunk_timeout = chunk_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.limit:
            await _send_json(send, 413, str(BodyTooLargeError(self.limit)))
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            try:
                message = await asyncio.wait_for(receive(), self.chunk_timeout)
            except TimeoutError:
                raise BodyTimeoutError(self.chunk_timeout) from None
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLargeError(self.limit)
            return message

        await self.app(scope, limited, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _send_json(send: Send, status: int, detail: str) -> None:
    import json

    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RateLimiter:
    """A token bucket per client: ``burst`` requests at once, refilled at ``per_minute``.

    Buckets that have refilled are forgotten when the table grows past ``max_clients``, so a
    flood of new addresses cannot grow it without bound.

    Args:
        per_minute: sustained requests per minute per client (0: no limit).
        burst: requests a client may make back to back.
        clock: seconds, monotonic (a test passes its own).
    """

    def __init__(
        self,
        per_minute: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = 10_000,
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.clock = clock
        self.max_clients = max_clients
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, at)
        self._lock = threading.Lock()

    def acquire(self, client: str) -> float:
        """Take one request from ``client``'s bucket: 0 if allowed, else seconds to wait."""
        if self.rate <= 0:
            return 0.0
        now = self.clock()
        with self._lock:
            tokens, at = self._buckets.get(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - at) * self.rate)
            if tokens < 1:
                self._buckets[client] = (tokens, now)
                return (1 - tokens) / self.rate
            self._buckets[client] = (tokens - 1, now)
            if len(self._buckets) > self.max_clients:
                self._forget_full(now)
            return 0.0

    def _forget_full(self, now: float) -> None:
        full = [
            c for c, (t, at) in self._buckets.items() if t + (now - at) * self.rate >= self.burst
        ]
        for client in full:
            del self._buckets[client]


def retry_after(seconds: float) -> str:
    """The Retry-After header's whole seconds (at least 1)."""
    return str(max(1, math.ceil(seconds)))
