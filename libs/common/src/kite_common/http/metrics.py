"""Prometheus metrics of the HTTP API at /metrics (scraped by the Helm chart's ServiceMonitor)."""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUESTS = Counter("kite_http_requests_total", "HTTP requests", ["service", "method", "route", "status"])
LATENCY = Histogram("kite_http_request_seconds", "HTTP request latency", ["service", "method", "route"])


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service
        # The labelled children, found once: `labels()` builds and checks its key on every call.
        self._counts: dict[tuple[str, str, int], Any] = {}
        self._latencies: dict[tuple[str, str], Any] = {}

    def _record(self, method: str, template: str, status: int, seconds: float) -> None:
        count = self._counts.get((method, template, status))
        if count is None:
            count = self._counts[method, template, status] = REQUESTS.labels(
                self.service, method, template, str(status)
            )
        latency = self._latencies.get((method, template))
        if latency is None:
            latency = self._latencies[method, template] = LATENCY.labels(self.service, method, template)
        count.inc()
        latency.observe(seconds)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == "/metrics":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = scope.get("route")
            # The route template, not the path: member ids must not become label values.
            template = getattr(route, "path", "unmatched")
            self._record(scope["method"], template, status, time.perf_counter() - started)


async def metrics_endpoint(_: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
