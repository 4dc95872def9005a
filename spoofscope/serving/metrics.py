"""Prometheus metrics of one app: requests, errors and latency per endpoint, verdicts, inference
time. Each app has its own registry, so two apps in one process (tests) count apart."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from spoofscope.serving.limits import ASGIApp, Message, Receive, Scope, Send

#: latency buckets in seconds: a 4-s clip scores in ~0.1-0.3 s on one core, a batch in seconds
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2, 5, 10, 30, 60)


class ServiceMetrics:
    """The service's collectors, in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "spoofscope_requests",
            "HTTP requests answered, by endpoint and status",
            ["endpoint", "method", "status"],
            registry=self.registry,
        )
        self.errors = Counter(
            "spoofscope_request_errors",
            "HTTP requests answered with a 4xx or 5xx status",
            ["endpoint", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "spoofscope_request_duration_seconds",
            "Time from request to the end of the response",
            ["endpoint"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.inference = Histogram(
            "spoofscope_inference_seconds",
            "Time a worker spent decoding and scoring one recording",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.verdicts = Counter(
            "spoofscope_verdicts",
            "Recordings scored, by verdict",
            ["verdict"],
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "spoofscope_requests_in_flight", "Requests being answered", registry=self.registry
        )

    def exposition(self) -> bytes:
        """The metrics in the Prometheus text format."""
        return generate_latest(self.registry)


class MetricsMiddleware:
    """ASGI middleware counting every HTTP request by its route (``/v1/score``, not the URL a
    client typed, so a scan of random paths adds one ``unmatched`` series, not one per path)."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        start = time.perf_counter()

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, watch)
        finally:
            self.metrics.in_flight.dec()
            route = scope.get("route")
            endpoint = getattr(route, "path", None) or "unmatched"
            self.metrics.requests.labels(endpoint, scope["method"], str(status)).inc()
            if status >= 400:
                self.metrics.errors.labels(endpoint, str(status)).inc()
            self.metrics.latency.labels(endpoint).observe(time.perf_counter() - start)
