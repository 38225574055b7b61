"""Every request runs inside a trace: the caller's (W3C traceparent) or a new one.

When spans are exported, the FastAPI instrumentation records a server span per request (its URL
attributes masked). When nothing exports, a small middleware only attaches the trace context: the
trace id still reaches logs, stored events and Kafka headers, at a fraction of the cost.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from opentelemetry import context, propagate, trace
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.trace import NonRecordingSpan, Span, SpanContext, TraceFlags
from starlette.types import ASGIApp, Receive, Scope, Send

from kite_common.observability import spans_exported
from kite_common.privacy.log_redaction import redact

_EXCLUDED = "livez,readyz,metrics"
_URL_ATTRIBUTES = ("http.target", "http.url", "url.query", "url.full")
_PROPAGATED = (b"traceparent", b"tracestate")
_ids = RandomIdGenerator()


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
        parent_context = propagate.extract(carrier)
        parent = trace.get_current_span(parent_context).get_span_context()
        # What the SDK's tracer makes when it samples nothing (the ALWAYS_OFF sampler of a process that
        # exports nothing), without the sampler, attributes and context manager around it: a span of
        # its own in the caller's trace (or a new one), not sampled, the caller's tracestate kept.
        span = NonRecordingSpan(
            SpanContext(
                trace_id=parent.trace_id if parent.is_valid else _ids.generate_trace_id(),
                span_id=_ids.generate_span_id(),
                is_remote=False,
                trace_flags=TraceFlags(TraceFlags.DEFAULT),
                trace_state=parent.trace_state if parent.is_valid else None,
            )
        )
        token = context.attach(trace.set_span_in_context(span, parent_context))
        try:
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
