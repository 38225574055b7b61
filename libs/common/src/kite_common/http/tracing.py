"""Every request runs inside a trace: the caller's (W3C traceparent) or a new one.

When spans are exported, the FastAPI instrumentation records a server span per request (its URL
attributes masked). When nothing exports, a small middleware only attaches the trace context: the
trace id still reaches logs, stored events and Kafka headers, at a fraction of the cost.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from opentelemetry import context, propagate, trace
from opentelemetry.trace import Span
from starlette.types import ASGIApp, Receive, Scope, Send

from kite_common.observability import spans_exported
from kite_common.privacy.log_redaction import redact

_EXCLUDED = "livez,readyz,metrics"
_URL_ATTRIBUTES = ("http.target", "http.url", "url.query", "url.full")
_PROPAGATED = (b"traceparent", b"tracestate")
_tracer = trace.get_tracer(__name__)


def install_tracing(app: FastAPI) -> None:
    if spans_exported():
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        FastAPIInstrumentor.instrument_app(
            app, excluded_urls=_EXCLUDED, server_request_hook=mask_personal_numbers_in_span
        )
    else:
        app.add_middleware(TraceContextMiddleware)


class TraceContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        carrier = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"] if k in _PROPAGATED}
        token = context.attach(propagate.extract(carrier))
        try:
            with _tracer.start_as_current_span(scope["method"], kind=trace.SpanKind.SERVER):
                await self.app(scope, receive, send)
        finally:
            context.detach(token)


def mask_personal_numbers_in_span(span: Span, scope: dict[str, Any]) -> None:
    """A search's query string can hold an ID or phone number: the span keeps it masked."""
    attributes = getattr(span, "attributes", None) or {}
    for key in _URL_ATTRIBUTES:
        value = attributes.get(key)
        if isinstance(value, str):
            span.set_attribute(key, redact(value))
