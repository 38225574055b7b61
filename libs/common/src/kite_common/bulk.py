"""Bulk append: the first events of many new streams in one transaction, with COPY.

The same write as `unit_of_work.append_events` (event store, inline projections, outbox), for a bulk
import: one COPY into `events`, one `apply_all` (batch-capable projections get every event at once),
one COPY into `outbox`. Every stream must be new: its events take versions 1, 2, ... and the unique
(stream_id, stream_version) index still refuses an overwrite, which is reported as a
`ConcurrencyConflict` with nothing written. Event ids, times and the traceparent are made exactly as
on the normal path, and rows get `tx_id` and `position` from their column defaults, so the gap-safe
readers and the outbox relay see nothing different.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg

from kite_common.clock import utcnow
from kite_common.db.types import Connection
from kite_common.events import EventEnvelope, EventPayload, EventRegistry, NewEvent
from kite_common.eventstore import ConcurrencyConflict
from kite_common.ids import new_id
from kite_common.projection import Applied, Projection, apply_all
from kite_common.tracing_context import current_traceparent

NewStream = tuple[str, Sequence[EventPayload | NewEvent]]

_EVENT_COLUMNS = ("event_id", "stream_id", "stream_version", "type", "data", "traceparent", "occurred_at")
_OUTBOX_COLUMNS = ("event_id", "topic", "key", "headers", "body")
_KEY_DETAIL = re.compile(r"\(stream_id, stream_version\)=\((?P<stream>.*), \d+\)")


@dataclass(frozen=True)
class PreparedStream:
    """A new stream's events made ready to write: envelopes, and their `events` and `outbox` rows as
    COPY lines. Preparing is CPU work that needs no connection, so a bulk import does it while the
    database is busy with the previous batch."""

    applied: list[Applied]
    event_lines: list[str]
    outbox_lines: list[str]


class StreamPreparer:
    """Prepares new streams for one topic, as `append_events` would make their events (ids, times,
    the current traceparent) and `write_outbox` their outbox rows."""

    def __init__(self, registry: EventRegistry, topic: str) -> None:
        self.source = registry.source
        self._registry = registry
        self._topic = _escape(topic)
        self._type_names: dict[type, str] = {}
        self.traceparent = current_traceparent()

    def _type_name(self, payload: EventPayload) -> str:
        kind = type(payload)
        name = self._type_names.get(kind)
        if name is None:
            name = self._type_names[kind] = self._registry.type_of(payload)
        return name

    def prepare(self, stream_id: str, events: Sequence[EventPayload | NewEvent]) -> PreparedStream:
        applied: list[Applied] = []
        event_lines: list[str] = []
        outbox_lines: list[str] = []
        for version, item in enumerate(events, start=1):
            if isinstance(item, NewEvent):
                payload, event_id, time = item.payload, item.id, item.time
            else:
                payload, event_id, time = item, new_id(), utcnow()
            envelope = EventEnvelope(
                id=event_id,
                source=self.source,
                type=self._type_name(payload),
                subject=stream_id,
                time=time,
                data=payload.model_dump(mode="json"),
                stream_version=version,
                traceparent=self.traceparent,
            )
            applied.append((envelope, payload))
            event_line, outbox_line = self._lines(envelope)
            event_lines.append(event_line)
            outbox_lines.append(outbox_line)
        return PreparedStream(applied, event_lines, outbox_lines)

    def _lines(self, e: EventEnvelope) -> tuple[str, str]:
        """The COPY lines of the event's `events` and `outbox` rows. The outbox row is what
        `write_outbox` stores for `encode(envelope)`: the key, the body (the data serialised once; the
        event row stores the same text) and the headers in the same order (the tests hold the two
        paths to identical rows)."""
        event_id, time = str(e.id), e.time.isoformat()
        body = _dumps(e.data)
        headers = [
            ["content-type", e.datacontenttype],
            ["ce_specversion", e.specversion],
            ["ce_id", event_id],
            ["ce_source", e.source],
            ["ce_type", e.type],
            ["ce_subject", e.subject],
            ["ce_time", time],
            ["ce_streamversion", str(e.stream_version)],
        ]
        if e.traceparent:
            headers.append(["traceparent", e.traceparent])
            headers.append(["ce_traceparent", e.traceparent])
        subject = _escape(e.subject)
        trace = _escape(e.traceparent) if e.traceparent else "\\N"
        return (
            f"{event_id}\t{subject}\t{e.stream_version}\t{_escape(e.type)}\t{_escape(body)}\t{trace}\t{time}\n",
            f"{event_id}\t{self._topic}\t{subject}\t{_escape(_dumps(headers))}\t\\\\x{body.encode().hex()}\n",
        )


async def append_new_streams(
    conn: Connection,
    registry: EventRegistry,
    projections: Sequence[Projection],
    topic: str,
    items: Sequence[NewStream],
) -> list[EventEnvelope]:
    """Append the events of new streams (expected version 0 each) in the caller's transaction (or
    one of its own when there is none). Raises ConcurrencyConflict, having written nothing, when any
    of the streams already exists."""
    preparer = StreamPreparer(registry, topic)
    return await append_prepared(conn, projections, [preparer.prepare(s, events) for s, events in items])


async def append_prepared(
    conn: Connection, projections: Sequence[Projection], streams: Sequence[PreparedStream]
) -> list[EventEnvelope]:
    """Write prepared new streams: one COPY into `events`, the inline projections (all events at once
    to batch-capable ones), one COPY into `outbox`; in the caller's transaction or one of its own."""
    applied = [a for s in streams for a in s.applied]
    if not applied:
        return []
    if not conn.is_in_transaction():
        async with conn.transaction():
            await _write(conn, projections, streams, applied)
    else:
        await _write(conn, projections, streams, applied)
    return [envelope for envelope, _ in applied]


async def _write(
    conn: Connection, projections: Sequence[Projection], streams: Sequence[PreparedStream], applied: list[Applied]
) -> None:
    events = [line for s in streams for line in s.event_lines]
    outbox = [line for s in streams for line in s.outbox_lines]
    try:
        async with conn.transaction():  # a savepoint: the caller's transaction survives a conflict
            await conn.copy_to_table("events", source=_chunks(events), columns=_EVENT_COLUMNS, format="text")
    except asyncpg.UniqueViolationError as exc:
        if exc.constraint_name == "events_stream_version_unique":
            found = _KEY_DETAIL.search(exc.detail or "")
            raise ConcurrencyConflict(found["stream"] if found else "(bulk)", 0) from exc
        raise
    await apply_all(conn, projections, applied)
    await conn.copy_to_table("outbox", source=_chunks(outbox), columns=_OUTBOX_COLUMNS, format="text")


# The same serialiser as `cloudevents_kafka.encode` (json.dumps with these arguments), made once.
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


async def _chunks(lines: list[str]) -> AsyncIterator[bytes]:
    for i in range(0, len(lines), 2000):
        yield "".join(lines[i : i + 2000]).encode()


class Json:
    """Marks a value for a json/jsonb column of `copy_text`."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class RawJson:
    """Marks JSON text (already serialised) for a json/jsonb column of `copy_text`."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_SPECIAL = re.compile(r"[\\\t\n\r]")
_COPY_CHUNK = 1 << 20


def _escape(text: str) -> str:
    return text.translate(_ESCAPES) if _SPECIAL.search(text) else text


def copy_field(value: Any) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    kind = type(value)
    if kind is str:
        return _escape(value)
    if kind is uuid.UUID or kind is int:
        return str(value)
    if kind is RawJson:
        return _escape(value.text)
    if kind is bool:
        return "t" if value else "f"
    if isinstance(value, str):
        return _escape(value)
    if isinstance(value, int | float | uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Json):
        return _escape(json.dumps(value.value, ensure_ascii=False, separators=(",", ":")))
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\\\x" + bytes(value).hex()
    if isinstance(value, list | tuple):
        return _escape(_array_literal(value))
    raise TypeError(f"no COPY text form for {type(value).__name__}")


def _array_literal(values: Sequence[Any]) -> str:
    items = []
    for v in values:
        if v is None:
            items.append("NULL")
        else:
            text = v if isinstance(v, str) else str(v)
            items.append('"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return "{" + ",".join(items) + "}"


async def copy_text(conn: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """COPY rows into `table` in the text format, encoded here: unlike asyncpg's binary COPY this
    works with the pool's text codecs (json/jsonb). Strings, numbers, booleans, uuids, dates and
    times, bytes (bytea), lists (text arrays) and `Json(...)` values."""

    async def chunks() -> AsyncIterator[bytes]:
        lines: list[str] = []
        size = 0
        for row in rows:
            line = "\t".join(copy_field(v) for v in row)
            lines.append(line)
            size += len(line)
            if size >= _COPY_CHUNK:
                yield ("\n".join(lines) + "\n").encode()
                lines, size = [], 0
        if lines:
            yield ("\n".join(lines) + "\n").encode()

    await conn.copy_to_table(table, source=chunks(), columns=list(columns), format="text")
