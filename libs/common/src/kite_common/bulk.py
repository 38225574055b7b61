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
from array import array
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from json.encoder import encode_basestring as _encode_str
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import asyncpg
from pydantic import BaseModel

from kite_common.clock import utcnow
from kite_common.db.types import Connection
from kite_common.events import EventEnvelope, EventPayload, EventRegistry, NewEvent
from kite_common.events.envelope import CONTENT_TYPE, SPEC_VERSION
from kite_common.eventstore import ConcurrencyConflict
from kite_common.ids import new_id
from kite_common.projection import Applied, PreparedProjection, Projection, apply_all
from kite_common.tracing_context import current_traceparent

NewStream = tuple[str, Sequence[EventPayload | NewEvent]]

_EVENT_COLUMNS = ("event_id", "stream_id", "stream_version", "type", "data", "traceparent", "occurred_at")
_OUTBOX_COLUMNS = ("event_id", "topic", "key", "headers", "body")
_COPY_CHUNK = 1 << 20
_PREPARE_CHUNK = 2000  # new streams prepared at a time while the events COPY runs
_KEY_DETAIL = re.compile(r"\(stream_id, stream_version\)=\((?P<stream>.*), \d+\)")


@dataclass(frozen=True)
class PreparedStream:
    """A new stream's events made ready to write, as plain data that pickles: its `events` and
    `outbox` rows as COPY text (UTF-8), and what each projection writes for them (`prepare_new` of a
    PreparedProjection; for any other projection, the events themselves). Preparing is CPU work that
    needs no connection: a bulk import does it while the database is busy with the previous batch,
    or in another process."""

    events: bytes
    outbox: bytes
    projected: tuple[Any, ...]  # per projection of the preparer, in its order; None: nothing to write


class StreamPreparer:
    """Prepares new streams for one topic and one service's projections, as `append_events` would
    make their events (ids, times, the traceparent: the current one unless given) and `write_outbox`
    their outbox rows."""

    def __init__(
        self,
        registry: EventRegistry,
        topic: str,
        projections: Sequence[Projection] = (),
        *,
        traceparent: str | None = None,
    ) -> None:
        self.source = registry.source
        self._registry = registry
        self._topic = _escape(topic)
        # Each projection's prepare_new (None: it gets the events themselves), looked up once: a
        # Protocol isinstance check costs more than preparing a row.
        self._prepares = tuple(p.prepare_new if isinstance(p, PreparedProjection) else None for p in projections)
        self._kinds: dict[type, _Kind] = {}
        self.traceparent = traceparent if traceparent is not None else current_traceparent()
        # The outbox headers as `write_outbox` stores them (`encode`'s order), made once but for the
        # event's id, type, subject, time and version.
        self._head = (
            f'[["content-type",{_json_str(CONTENT_TYPE)}],["ce_specversion",{_json_str(SPEC_VERSION)}],["ce_id","'
        )
        self._after_id = f'"],["ce_source",{_json_str(self.source)}],["ce_type",'
        trace = self.traceparent
        self._tail = f',["traceparent",{_json_str(trace)}],["ce_traceparent",{_json_str(trace)}]]' if trace else "]"
        self._trace = _escape(trace) if trace else "\\N"

    def _kind(self, payload: EventPayload) -> _Kind:
        kind = type(payload)
        found = self._kinds.get(kind)
        if found is None:
            name = self._registry.type_of(payload)
            found = self._kinds[kind] = _Kind(name, _escape(name), _json_str(name), _json_is_exact(kind))
        return found

    def prepare(self, stream_id: str, events: Sequence[EventPayload | NewEvent]) -> PreparedStream:
        return self.prepare_applied(stream_id, events)[0]

    def prepare_applied(
        self, stream_id: str, events: Sequence[EventPayload | NewEvent]
    ) -> tuple[PreparedStream, list[Applied]]:
        """The prepared stream, and its events as the projections see them."""
        applied: list[Applied] = []
        event_lines: list[str] = []
        outbox_lines: list[str] = []
        subject = _escape(stream_id)
        subject_json = _json_str(stream_id)
        for version, item in enumerate(events, start=1):
            if isinstance(item, NewEvent):
                payload, event_id, time = item.payload, item.id, item.time
            else:
                payload, event_id, time = item, new_id(), utcnow()
            kind = self._kind(payload)
            data = payload.model_dump(mode="json")
            envelope = EventEnvelope(
                id=event_id,
                source=self.source,
                type=kind.name,
                subject=stream_id,
                time=time,
                data=data,
                stream_version=version,
                traceparent=self.traceparent,
            )
            applied.append((envelope, payload))
            # The outbox body is what `encode` makes of the data (the event row stores the same text).
            # Serialised by pydantic where that gives the very same text (no floats, no custom
            # serialisers): several times faster than json.dumps of the dict.
            if kind.exact:
                raw = payload.__pydantic_serializer__.to_json(payload)
                body = raw.decode()
            else:
                body = _dumps(data)
                raw = body.encode()
            eid, at = str(event_id), time.isoformat()
            headers = (
                f'{self._head}{eid}{self._after_id}{kind.json}],["ce_subject",{subject_json}],["ce_time","{at}"],'
                f'["ce_streamversion","{version}"]{self._tail}'
            )
            # JSON text holds no raw tab, newline or carriage return: only backslashes need escaping.
            event_lines.append(f"{eid}\t{subject}\t{version}\t{kind.copy}\t{_escape_json(body)}\t{self._trace}\t{at}\n")
            outbox_lines.append(f"{eid}\t{self._topic}\t{subject}\t{_escape_json(headers)}\t\\\\x{raw.hex()}\n")
        projected = tuple(applied if prepare is None else prepare(applied) for prepare in self._prepares)
        stream = PreparedStream("".join(event_lines).encode(), "".join(outbox_lines).encode(), projected)
        return stream, applied


@dataclass(frozen=True)
class _Kind:
    name: str  # the CloudEvents type
    copy: str  # ... escaped for COPY
    json: str  # ... as a JSON string
    exact: bool  # pydantic's JSON of the payload is exactly json.dumps of its model_dump(mode="json")


def _json_str(text: str) -> str:
    """A string as `_dumps` writes it."""
    return _encode_str(text)


def _escape_json(text: str) -> str:
    return text.replace("\\", "\\\\") if "\\" in text else text


_EXACT_LEAVES: frozenset[Any] = frozenset({str, int, bool, type(None), uuid.UUID, date, datetime})


def _json_is_exact(model: type[BaseModel]) -> bool:
    """Whether pydantic serialises `model` to the very text json.dumps(model_dump(mode="json"),
    ensure_ascii=False, compact) gives: true when every field is text, an integer, a boolean, a uuid,
    a date or time, a literal, an enum of text, or lists, optionals and models of these, and no custom
    serialiser is involved. (Floats are not: the two print 1e16 differently.)"""
    decorators = model.__pydantic_decorators__
    if decorators.field_serializers or decorators.model_serializers or decorators.computed_fields:
        return False
    return all(_annotation_is_exact(f.annotation) for f in model.model_fields.values())


def _annotation_is_exact(annotation: Any) -> bool:
    if annotation in _EXACT_LEAVES:
        return True
    origin = get_origin(annotation)
    if origin is Literal:
        return all(type(v) in (str, int, bool) or v is None for v in get_args(annotation))
    if origin is Annotated:
        return _annotation_is_exact(get_args(annotation)[0])
    if origin in (list, tuple, Union, UnionType):
        return all(a is Ellipsis or _annotation_is_exact(a) for a in get_args(annotation))
    if isinstance(annotation, type):
        if issubclass(annotation, Enum):
            return all(type(m.value) is str for m in annotation)
        if issubclass(annotation, BaseModel):
            return _json_is_exact(annotation)
    return False


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
    preparer = StreamPreparer(registry, topic, projections)
    streams: list[PreparedStream] = []
    envelopes: list[EventEnvelope] = []
    if not items:
        return envelopes

    async def event_rows() -> AsyncIterator[bytes]:
        # Prepared a chunk at a time while the COPY runs: PostgreSQL stores one chunk while the next
        # is made, so the preparing costs little time of its own.
        for start in range(0, len(items), _PREPARE_CHUNK):
            chunk: list[bytes] = []
            for stream_id, events in items[start : start + _PREPARE_CHUNK]:
                stream, applied = preparer.prepare_applied(stream_id, events)
                streams.append(stream)
                chunk.append(stream.events)
                envelopes.extend(envelope for envelope, _ in applied)
            yield b"".join(chunk)

    async def write() -> None:
        await _copy_events(conn, event_rows())
        await _write_rest(conn, projections, JoinedStreams.of(streams))

    if not conn.is_in_transaction():
        async with conn.transaction():
            await write()
    else:
        await write()
    return envelopes


@dataclass(frozen=True)
class CopyBlock:
    """The COPY text of many items joined into one block (cheap to hand to another process and to
    send), with where each item's lines end, so that some of them can be picked out again."""

    text: bytes
    ends: array[int]

    @classmethod
    def of(cls, parts: Iterable[bytes | None]) -> CopyBlock:
        ends: array[int] = array("Q")
        joined: list[bytes] = []
        end = 0
        for part in parts:
            if part:
                joined.append(part)
                end += len(part)
            ends.append(end)
        return cls(b"".join(joined), ends)

    def __len__(self) -> int:
        return len(self.ends)

    def select(self, keep: Sequence[int]) -> CopyBlock:
        """Only the items at these positions, in this order."""
        ends = self.ends
        return CopyBlock.of(self.text[ends[i - 1] if i else 0 : ends[i]] for i in keep)

    async def chunks(self, size: int = _COPY_CHUNK) -> AsyncIterator[bytes]:
        # COPY data may be cut anywhere, also inside a line.
        for start in range(0, len(self.text), size):
            yield self.text[start : start + size]


@dataclass(frozen=True)
class JoinedStreams:
    """Prepared new streams joined: the `events` and `outbox` rows as blocks, and per projection
    either a block (when every stream's prepared data is COPY text, or nothing) or the streams' data."""

    events: CopyBlock
    outbox: CopyBlock
    projected: tuple[CopyBlock | list[Any], ...]

    @classmethod
    def of(cls, streams: Sequence[PreparedStream]) -> JoinedStreams:
        width = len(streams[0].projected) if streams else 0
        if any(len(s.projected) != width for s in streams):
            raise ValueError("streams were prepared for different projections")
        projected: list[CopyBlock | list[Any]] = []
        for i in range(width):
            items = [s.projected[i] for s in streams]
            text = all(item is None or type(item) is bytes for item in items)
            projected.append(CopyBlock.of(items) if text else items)
        return cls(CopyBlock.of(s.events for s in streams), CopyBlock.of(s.outbox for s in streams), tuple(projected))

    def __len__(self) -> int:
        return len(self.events)

    def select(self, keep: Sequence[int]) -> JoinedStreams:
        """Only the streams at these positions, in this order."""
        return JoinedStreams(
            self.events.select(keep),
            self.outbox.select(keep),
            tuple(p.select(keep) if isinstance(p, CopyBlock) else [p[i] for i in keep] for p in self.projected),
        )


async def append_prepared(
    conn: Connection, projections: Sequence[Projection], streams: Sequence[PreparedStream] | JoinedStreams
) -> None:
    """Write prepared new streams: one COPY into `events`, the projections (the ones the streams were
    prepared for, in the same order), one COPY into `outbox`; in the caller's transaction or one of
    its own. A PreparedProjection whose data for every stream is COPY text gets it as one block."""
    joined = streams if isinstance(streams, JoinedStreams) else JoinedStreams.of(streams)
    if not len(joined):
        return
    if len(joined.projected) != len(projections):
        raise ValueError("streams were prepared for other projections")
    if not conn.is_in_transaction():
        async with conn.transaction():
            await _write(conn, projections, joined)
    else:
        await _write(conn, projections, joined)


async def _write(conn: Connection, projections: Sequence[Projection], joined: JoinedStreams) -> None:
    await _copy_events(conn, joined.events.chunks())
    await _write_rest(conn, projections, joined)


async def _copy_events(conn: Connection, rows: AsyncIterator[bytes]) -> None:
    try:
        async with conn.transaction():  # a savepoint: the caller's transaction survives a conflict
            await conn.copy_to_table("events", source=rows, columns=_EVENT_COLUMNS, format="text")
    except asyncpg.UniqueViolationError as exc:
        if exc.constraint_name == "events_stream_version_unique":
            found = _KEY_DETAIL.search(exc.detail or "")
            raise ConcurrencyConflict(found["stream"] if found else "(bulk)", 0) from exc
        raise


async def _write_rest(conn: Connection, projections: Sequence[Projection], joined: JoinedStreams) -> None:
    """The projections and the outbox, after the events."""
    for projection, data in zip(projections, joined.projected, strict=True):
        prepared: list[Any] = [data.text] if isinstance(data, CopyBlock) else [i for i in data if i is not None]
        if not prepared or not prepared[0]:
            continue
        if isinstance(projection, PreparedProjection):
            await projection.write_prepared(conn, prepared)
        else:
            await apply_all(conn, [projection], [item for applied in prepared for item in applied])
    await conn.copy_to_table("outbox", source=joined.outbox.chunks(), columns=_OUTBOX_COLUMNS, format="text")


# The same serialiser as `cloudevents_kafka.encode` (json.dumps with these arguments), made once.
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


async def _chunks(lines: Iterable[str] | Iterable[bytes], size: int = 1000) -> AsyncIterator[bytes]:
    # Sent as made: PostgreSQL works on one chunk while the next is made and joined.
    chunk: list[Any] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) == size:
            yield _joined(chunk)
            chunk = []
    if chunk:
        yield _joined(chunk)


def _joined(lines: list[Any]) -> bytes:
    return b"".join(lines) if type(lines[0]) is bytes else "".join(lines).encode()


async def copy_lines(
    conn: Connection, table: str, columns: Sequence[str], lines: Iterable[str] | Iterable[bytes]
) -> None:
    """COPY rows written as lines of PostgreSQL's text format (each ending in a newline; text, or
    UTF-8 bytes), such as `copy_escape` and `copy_array` make: the fastest way in for rows built in
    bulk. `lines` may be a generator: PostgreSQL then stores each chunk while the next is made."""
    await conn.copy_to_table(table, source=_chunks(lines), columns=list(columns), format="text")


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


def copy_escape(text: str) -> str:
    """A text value in PostgreSQL's COPY text format."""
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.translate(_ESCAPES)
    return text


_escape = copy_escape


def copy_array(values: Sequence[str]) -> str:
    """A text[] value (no NULL elements) in PostgreSQL's COPY text format."""
    if not values:
        return "{}"
    body = '","'.join(values)
    if "\\" in body or body.count('"') != 2 * (len(values) - 1):  # an element holds a quote or backslash
        return _escape(_array_literal(values))
    return _escape('{"' + body + '"}')


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
