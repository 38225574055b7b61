"""CloudEvents Kafka protocol binding, binary mode: attributes in `ce_*` headers, JSON data as the value."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kite_common.events import EventEnvelope

Headers = list[tuple[str, bytes]]


class MalformedMessage(ValueError):
    """A Kafka message that is not a CloudEvent this platform can read."""


def topic_for(service: str, prefix: str = "") -> str:
    return f"{prefix}{service}.events"


def encode(event: EventEnvelope) -> tuple[bytes, bytes, Headers]:
    """Key, value and headers of the Kafka message carrying `event`."""
    headers: Headers = [("content-type", event.datacontenttype.encode())]
    for name, value in event.attributes().items():
        if name == "datacontenttype":
            continue
        if name == "traceparent":
            # W3C header for tracing tools, and the CloudEvents distributed-tracing extension.
            headers.append(("traceparent", value.encode()))
        headers.append((f"ce_{name}", value.encode()))
    body = json.dumps(event.data, ensure_ascii=False, separators=(",", ":")).encode()
    return event.subject.encode(), body, headers


@dataclass(frozen=True)
class ReceivedEvent:
    """A CloudEvent read from Kafka."""

    envelope: EventEnvelope
    topic: str
    partition: int
    offset: int
    topic_prefix: str = ""  # the consuming service's prefix: its own topic is topic_for(name, prefix)


def decode(value: bytes | None, headers: Any, topic: str = "", partition: int = 0, offset: int = 0) -> ReceivedEvent:
    h: dict[str, str] = {}
    for k, v in headers or ():
        try:
            h[k] = v.decode() if isinstance(v, bytes | bytearray) else str(v)
        except UnicodeDecodeError as exc:
            raise MalformedMessage(f"header {k} is not UTF-8") from exc
    try:
        data = json.loads(value) if value else None
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedMessage(f"body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise MalformedMessage("body is not a JSON object")
    try:
        envelope = EventEnvelope(
            id=uuid.UUID(h["ce_id"]),
            source=h["ce_source"],
            type=h["ce_type"],
            subject=h.get("ce_subject", ""),
            time=datetime.fromisoformat(h["ce_time"]),
            data=data,
            stream_version=int(h.get("ce_streamversion", "0")),
            traceparent=h.get("traceparent") or h.get("ce_traceparent"),
            datacontenttype=h.get("content-type", "application/json"),
            specversion=h.get("ce_specversion", "1.0"),
        )
    except (KeyError, ValueError) as exc:
        raise MalformedMessage(f"missing or bad CloudEvents attribute: {exc}") from exc
    return ReceivedEvent(envelope, topic, partition, offset)
