"""JSON logs carrying trace and request ids; OpenTelemetry tracing with a configurable exporter.

Kafka spans are made by the relay and the consumer runner themselves (not the aiokafka
instrumentation): the relay publishes on behalf of events stored earlier, so the producer span must
continue the trace stored with the event, not the relay's own context.
"""

from __future__ import annotations

import contextvars
import logging
import sys

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ParentBased, Sampler, TraceIdRatioBased
from pythonjsonlogger.json import JsonFormatter

from kite_common.privacy.log_redaction import protect_logs
from kite_common.settings import TelemetrySettings

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_configured = False
_exported = False


def spans_exported() -> bool:
    """Whether this process exports spans (else they are not recorded, only propagated)."""
    return _exported


class _ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        ctx = trace.get_current_span().get_span_context()
        record.trace_id = format(ctx.trace_id, "032x") if ctx.is_valid else None
        record.span_id = format(ctx.span_id, "016x") if ctx.is_valid else None
        record.request_id = request_id_var.get()
        return True


def configure_logging(service: str, level: str = "INFO") -> None:
    protect_logs()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            static_fields={"service": service},
        )
    )
    handler.addFilter(_ContextFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, root.level))


def configure_tracing(service: str, settings: TelemetrySettings | None = None) -> None:
    """Install the SDK tracer provider once per process.

    With no exporter nothing is recorded: spans are non-recording, yet each still carries a real
    trace id, taken from the caller's traceparent or made new, so ids join logs, stored events and
    Kafka messages across services. With an exporter, new traces are sampled at `sample_ratio` and
    a sampled parent is always followed. SQL statement spans are opt-in (`KITE_OTEL_SQL_SPANS`).
    """
    global _configured, _exported
    if _configured:
        return
    settings = settings or TelemetrySettings()
    _exported = settings.exporter in ("otlp", "console")
    trace.set_tracer_provider(tracer_provider(service, settings))
    if settings.sql_spans:
        from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor

        # Query parameters carry personal data: never captured.
        AsyncPGInstrumentor(capture_parameters=False).instrument()  # type: ignore[no-untyped-call]
    _configured = True


def tracer_provider(service: str, settings: TelemetrySettings) -> TracerProvider:
    exporter: SpanExporter | None = None
    if settings.exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter()
    elif settings.exporter == "console":
        exporter = ConsoleSpanExporter()
    sampler: Sampler = ALWAYS_OFF if exporter is None else ParentBased(TraceIdRatioBased(settings.sample_ratio))
    provider = TracerProvider(resource=Resource.create({"service.name": f"kite-{service}"}), sampler=sampler)
    if exporter is not None:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider
