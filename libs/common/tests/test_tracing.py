"""Tracing costs nothing when nothing exports, and trace ids still join everything up."""

from __future__ import annotations

import io

from kite_common.observability import tracer_provider
from kite_common.settings import TelemetrySettings
from kite_common.tracing_context import attached, current_traceparent

CALLER = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def test_without_an_exporter_spans_are_not_recorded_but_carry_a_real_trace_id() -> None:
    tracer = tracer_provider("t", TelemetrySettings(exporter="none")).get_tracer("t")
    with tracer.start_as_current_span("POST /members") as span:
        assert not span.is_recording()
        context = span.get_span_context()
        assert context.is_valid
        _version, trace_id, span_id, flags = (current_traceparent() or "").split("-")
        assert (trace_id, span_id) == (f"{context.trace_id:032x}", f"{context.span_id:016x}")
        assert int(flags, 16) & 1 == 0  # not sampled: a downstream collector need not wait for it


def test_without_an_exporter_the_callers_trace_id_is_kept() -> None:
    tracer = tracer_provider("t", TelemetrySettings(exporter="none")).get_tracer("t")
    with attached(CALLER), tracer.start_as_current_span("publish"):
        assert (current_traceparent() or "").split("-")[1] == CALLER.split("-")[1]


def test_with_an_exporter_a_sampled_caller_is_followed_even_at_ratio_zero(monkeypatch) -> None:
    monkeypatch.setattr("sys.stdout", io.StringIO())
    provider = tracer_provider("t", TelemetrySettings(exporter="console", sample_ratio=0.0))
    tracer = provider.get_tracer("t")
    with attached(CALLER), tracer.start_as_current_span("GET /cases") as span:
        assert span.is_recording()
    with tracer.start_as_current_span("a new trace") as span:
        assert not span.is_recording()
        assert span.get_span_context().trace_id != 0
    provider.shutdown()
