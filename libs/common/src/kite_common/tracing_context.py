"""Carrying the W3C trace context in and out of events."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import context, propagate, trace


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")


@contextmanager
def attached(traceparent: str | None) -> Iterator[None]:
    """Run the block inside the trace that `traceparent` names."""
    if not traceparent:
        yield
        return
    token = context.attach(propagate.extract({"traceparent": traceparent}))
    try:
        yield
    finally:
        context.detach(token)


def span_context_of(traceparent: str | None) -> trace.SpanContext | None:
    """The span a `traceparent` names (for a span link), or None when it names none."""
    if not traceparent:
        return None
    span_context = trace.get_current_span(propagate.extract({"traceparent": traceparent})).get_span_context()
    return span_context if span_context.is_valid else None
