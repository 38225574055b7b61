"""The PostgreSQL event store: append with an expected version, read a stream, read the log.

Reading the whole log is gap-safe: rows are ordered by (tx_id, position) and only rows written by
transactions older than the current snapshot's xmin are returned, so a transaction that took a
position early but commits late is still read, never skipped.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from kite_common.db.statements import Write, run_writes
from kite_common.db.types import Connection
from kite_common.events import EventEnvelope
from kite_common.eventstore.errors import ConcurrencyConflict

_COLUMNS = (
    "position, tx_id::text::bigint AS tx_id, event_id, stream_id, stream_version, type, data, traceparent,"
    " occurred_at, jurisdiction, actor"
)


# The versions follow expected_version; the guard requires the expected version to exist (a stream
# that is behind its writer's expectation is a conflict too, never a gap).
_APPEND = """
    INSERT INTO events (event_id, stream_id, stream_version, type, data, traceparent, occurred_at, jurisdiction, actor)
    SELECT e.event_id, $1, $2 + e.n, e.type, e.data, e.traceparent, e.occurred_at, e.jurisdiction, e.actor
    FROM unnest($3::uuid[], $4::text[], $5::jsonb[], $6::text[], $7::timestamptz[], $8::text[], $9::text[])
         WITH ORDINALITY AS e(event_id, type, data, traceparent, occurred_at, jurisdiction, actor, n)
    WHERE $2 = 0 OR EXISTS (SELECT 1 FROM events WHERE stream_id = $1 AND stream_version = $2)
    ORDER BY e.n
    RETURNING 1
"""
# The same for one event, with no arrays: a command appends one event most of the time, and arrays cost
# their encoding (asyncpg) and planning (PostgreSQL plans each execution: plan_cache_mode, db/pool.py).
_APPEND_ONE = """
    INSERT INTO events (event_id, stream_id, stream_version, type, data, traceparent, occurred_at, jurisdiction, actor)
    SELECT $3::uuid, $1::text, $2::int + 1, $4::text, $5::jsonb, $6::text, $7::timestamptz, $8::text, $9::text
    WHERE $2::int = 0 OR EXISTS (SELECT 1 FROM events WHERE stream_id = $1::text AND stream_version = $2::int)
    RETURNING 1
"""


@dataclass(frozen=True, order=True)
class GlobalPosition:
    """A point in the whole log. START is before everything."""

    tx_id: int
    position: int

    def __str__(self) -> str:
        return f"{self.tx_id}:{self.position}"

    @classmethod
    def parse(cls, text: str) -> GlobalPosition:
        """`tx:position` as `str` writes it; ValueError for anything else."""
        tx, pos = text.split(":")
        plain = tx.isascii() and pos.isascii()  # int() would take full-width and other digits too
        if not (plain and tx.isdigit() and pos.isdigit()) or len(tx) > 19 or len(pos) > 19:
            raise ValueError(f"not a position: {text!r}")
        return cls(int(tx), int(pos))


START = GlobalPosition(0, 0)


@dataclass(frozen=True)
class StoredEvent:
    envelope: EventEnvelope
    global_position: GlobalPosition


class PostgresEventStore:
    def __init__(self, source: str) -> None:
        self.source = source

    def _envelope(self, row: asyncpg.Record) -> EventEnvelope:
        return EventEnvelope(
            id=row["event_id"],
            source=self.source,
            type=row["type"],
            subject=row["stream_id"],
            time=row["occurred_at"],
            data=row["data"],
            stream_version=row["stream_version"],
            traceparent=row["traceparent"],
            jurisdiction=row["jurisdiction"],
            actor=row["actor"],
        )

    async def append(
        self,
        conn: Connection,
        stream_id: str,
        expected_version: int,
        events: Sequence[EventEnvelope],
        *,
        also: Sequence[Write] = (),
    ) -> list[int | None]:
        """Append events whose stream_version continues from expected_version, in the caller's
        transaction, in one statement. Someone else won when the stream has moved on (a unique
        violation on (stream_id, stream_version), which aborts the caller's transaction: roll it
        back, as a unit of work does) or when the expected version is not the stream's head (the
        guard below writes nothing): both raise ConcurrencyConflict.

        `also`: writes sent in the same statement (`kite_common.db.statements`: the outbox, inline
        projections, a command's own rows), whose rows each counted one returned come back. They run
        whether or not the events are written: after a ConcurrencyConflict roll back."""
        if not events:
            return await run_writes(conn, also)
        for offset, event in enumerate(events, start=1):
            if event.stream_version != expected_version + offset:
                raise ValueError("event stream versions must continue from the expected version")
        if len(events) == 1:
            (e,) = events
            append = Write(
                _APPEND_ONE,
                (stream_id, expected_version, e.id, e.type, e.data, e.traceparent, e.time, e.jurisdiction, e.actor),
                counted=True,
            )
        else:
            append = Write(
                _APPEND,
                (
                    stream_id,
                    expected_version,
                    [e.id for e in events],
                    [e.type for e in events],
                    [e.data for e in events],
                    [e.traceparent for e in events],
                    [e.time for e in events],
                    [e.jurisdiction for e in events],
                    [e.actor for e in events],
                ),
                counted=True,
            )
        try:
            *counts, appended = await run_writes(conn, [*also, append])
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name == "events_stream_version_unique":
                raise ConcurrencyConflict(stream_id, expected_version) from exc
            raise
        if appended != len(events):
            raise ConcurrencyConflict(stream_id, expected_version)
        return counts

    async def read_stream(self, conn: Connection, stream_id: str) -> list[EventEnvelope]:
        rows = await conn.fetch(
            f"SELECT {_COLUMNS} FROM events WHERE stream_id = $1 ORDER BY stream_version", stream_id
        )
        return [self._envelope(r) for r in rows]

    async def read_streams(self, conn: Connection, stream_ids: Sequence[str]) -> dict[str, list[EventEnvelope]]:
        rows = await conn.fetch(
            f"SELECT {_COLUMNS} FROM events WHERE stream_id = ANY($1::text[]) ORDER BY stream_id, stream_version",
            list(stream_ids),
        )
        out: dict[str, list[EventEnvelope]] = {s: [] for s in stream_ids}
        for r in rows:
            out[r["stream_id"]].append(self._envelope(r))
        return out

    async def read_all_after(
        self, conn: Connection, after: GlobalPosition = START, limit: int = 1000
    ) -> list[StoredEvent]:
        """The next committed events after `after`, in a stable global order, never skipping a late commit."""
        rows = await conn.fetch(
            f"""SELECT {_COLUMNS} FROM events
                WHERE (tx_id, position) > ($1::text::xid8, $2)
                  AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
                ORDER BY tx_id, position
                LIMIT $3""",
            str(after.tx_id),
            after.position,
            limit,
        )
        return [StoredEvent(self._envelope(r), GlobalPosition(r["tx_id"], r["position"])) for r in rows]

    async def read_positions(self, conn: Connection, positions: Sequence[int]) -> list[StoredEvent]:
        """The events at these positions, in global order."""
        rows = await conn.fetch(
            f"SELECT {_COLUMNS} FROM events WHERE position = ANY($1::bigint[]) ORDER BY tx_id, position",
            list(positions),
        )
        return [StoredEvent(self._envelope(r), GlobalPosition(r["tx_id"], r["position"])) for r in rows]

    async def iterate_all(
        self, conn: Connection, after: GlobalPosition = START, batch: int = 1000
    ) -> AsyncIterator[StoredEvent]:
        while True:
            page = await self.read_all_after(conn, after, batch)
            for stored in page:
                yield stored
            if len(page) < batch:
                return
            after = page[-1].global_position

    async def event_exists(self, conn: Connection, event_id: uuid.UUID) -> bool:
        found: Any = await conn.fetchval("SELECT 1 FROM events WHERE event_id = $1", event_id)
        return found is not None
