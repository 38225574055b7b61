"""One write, one transaction: append events, update own read models, write the outbox.

A unit of work is entered once per attempt (`async with uow:`): it commits on a clean exit and rolls
back on an error. It takes its connection from the pool, or — for a consumer's handler — joins the
connection of the inbox transaction (`UnitOfWork.joining`): then entering it opens a savepoint, so a
command a handler sends is written in the same transaction as the inbox record, and a retried
attempt undoes only itself. Aggregates come and go through it: `get` replays a stream, `save`
appends what the aggregate recorded at the version it was loaded at.

An append is one statement (`kite_common.db.statements`): the events, their outbox rows, the inline
projections' writes when every projection can say them as writes (else the projections are applied
after it), and the writes the command added (`add_write`) since the last one.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import TypeVar

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from kite_common.actor import current_actor
from kite_common.db.statements import Write, run_writes
from kite_common.db.types import Connection
from kite_common.domain.aggregate import Aggregate
from kite_common.events import EventEnvelope, EventPayload, EventRegistry, NewEvent
from kite_common.eventstore import PostgresEventStore
from kite_common.outbox.writer import outbox_write
from kite_common.projection import Projection, apply_all, statement_writes
from kite_common.tracing_context import current_traceparent

A = TypeVar("A", bound=Aggregate)


class PendingWrite:
    """A write added to a unit of work (`UnitOfWork.add_write`); once written, the rows it returned."""

    def __init__(self, write: Write) -> None:
        self.write = write
        self._rows: int | None = None

    @property
    def rows(self) -> int:
        """The rows a counted write returned (0 for one not counted)."""
        if self._rows is None:
            raise RuntimeError("the write has not been sent yet: it goes with the next append, or at commit")
        return self._rows

    def written(self, rows: int | None) -> None:
        self._rows = rows or 0


@dataclass(frozen=True)
class LoadedStream:
    stream_id: str
    version: int
    events: list[EventPayload]


class UnitOfWork:
    """Use as `async with uow:`; commits on a clean exit, rolls back on error. Re-enterable: a
    command retried after a concurrency conflict enters the same unit of work again."""

    def __init__(
        self,
        pool: asyncpg.Pool | None,
        registry: EventRegistry,
        projections: Sequence[Projection],
        topic: str,
        *,
        connection: Connection | None = None,
    ) -> None:
        if (pool is None) == (connection is None):
            raise ValueError("a unit of work takes a pool or joins a connection, not both")
        self._pool = pool
        self._joined = connection
        self._registry = registry
        self._store = PostgresEventStore(registry.source)
        self._projections = projections
        self._topic = topic
        self._conn: Connection | None = connection
        self._acquired: PoolConnectionProxy | None = None
        self._tx: asyncpg.transaction.Transaction | None = None
        self._pending: list[PendingWrite] = []

    @classmethod
    def joining(
        cls, connection: Connection, registry: EventRegistry, projections: Sequence[Projection], topic: str
    ) -> UnitOfWork:
        """A unit of work inside a transaction someone else owns (a consumer's inbox transaction)."""
        return cls(None, registry, projections, topic, connection=connection)

    @property
    def conn(self) -> Connection:
        if self._conn is None:
            raise RuntimeError("unit of work is not open")
        return self._conn

    @property
    def registry(self) -> EventRegistry:
        return self._registry

    @property
    def topic(self) -> str:
        """The service's topic, where what this unit of work writes is published."""
        return self._topic

    async def __aenter__(self) -> UnitOfWork:
        if self._tx is not None:
            raise RuntimeError("unit of work is already open")
        if self._joined is None:
            assert self._pool is not None
            self._acquired = await self._pool.acquire()
            self._conn = self._acquired
        self._tx = self.conn.transaction()  # a savepoint when joined
        await self._tx.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._tx is not None
        try:
            if exc_type is None:
                try:
                    await self._send_pending()
                except BaseException:
                    await self._tx.rollback()
                    raise
                await self._tx.commit()
            else:
                await self._tx.rollback()
        finally:
            self._pending.clear()  # an attempt's writes are its own: a retry adds them again
            self._tx = None
            if self._acquired is not None:
                assert self._pool is not None
                await self._pool.release(self._acquired)
                self._acquired = None
                self._conn = None

    def add_write(self, write: Write) -> PendingWrite:
        """`write` goes in the statement of the next append (or runs at commit if none follows): one
        round trip fewer. It runs on the snapshot before that statement, beside the append's own writes
        (`kite_common.db.statements`): it must not touch or read what they write (the events, the
        outbox, the read models the inline projections keep). Its rows are known once it is sent."""
        if self._tx is None:
            raise RuntimeError("unit of work is not open")
        pending = PendingWrite(write)
        self._pending.append(pending)
        return pending

    async def _send_pending(self) -> None:
        """The writes added since the last append, in one statement (at commit)."""
        pending, self._pending = self._pending, []
        for p, rows in zip(pending, await run_writes(self.conn, [p.write for p in pending]), strict=True):
            p.written(rows)

    # -- aggregates -------------------------------------------------------------------------------

    async def get(self, kind: type[A], aggregate_id: uuid.UUID) -> A:
        """The aggregate as its stream leaves it; a stream with no events gives a new, empty one
        (version 0) — whether that is "not found" is the command's to say."""
        loaded = await self.load(kind.stream_id_for(aggregate_id))
        return kind.replay(aggregate_id, loaded.events, loaded.version)

    async def get_many(self, kind: type[A], aggregate_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, A]:
        """`get` for many aggregates of a kind, their streams read in one statement."""
        streams = await self._store.read_streams(self.conn, [kind.stream_id_for(i) for i in aggregate_ids])
        out: dict[uuid.UUID, A] = {}
        for aggregate_id in aggregate_ids:
            envelopes = streams[kind.stream_id_for(aggregate_id)]
            payloads = [self._registry.parse(e.type, e.data) for e in envelopes]
            out[aggregate_id] = kind.replay(aggregate_id, payloads, len(envelopes))
        return out

    async def save(self, *aggregates: Aggregate) -> list[EventEnvelope]:
        """Append each aggregate's pending events at the version it was loaded at (a concurrent
        write raises ConcurrencyConflict); an aggregate with nothing pending writes nothing."""
        written: list[EventEnvelope] = []
        for aggregate in aggregates:
            if aggregate.pending:
                written += await self.append(
                    aggregate.stream_id, aggregate.version, aggregate.pending, jurisdiction=aggregate.jurisdiction
                )
                aggregate.mark_saved()
        return written

    # -- streams ----------------------------------------------------------------------------------

    async def load(self, stream_id: str) -> LoadedStream:
        envelopes = await self._store.read_stream(self.conn, stream_id)
        payloads = [self._registry.parse(e.type, e.data) for e in envelopes]
        return LoadedStream(stream_id, len(envelopes), payloads)

    async def append(
        self,
        stream_id: str,
        expected_version: int,
        events: Sequence[EventPayload | NewEvent],
        *,
        jurisdiction: str | None = None,
    ) -> list[EventEnvelope]:
        pending, self._pending = self._pending, []
        envelopes, counts = await append_events(
            self.conn,
            self._registry,
            self._projections,
            self._topic,
            stream_id,
            expected_version,
            events,
            jurisdiction=jurisdiction,
            also=[p.write for p in pending],
        )
        for p, rows in zip(pending, counts, strict=True):
            p.written(rows)
        return envelopes


async def append_events(
    conn: Connection,
    registry: EventRegistry,
    projections: Sequence[Projection],
    topic: str,
    stream_id: str,
    expected_version: int,
    events: Sequence[EventPayload | NewEvent],
    *,
    jurisdiction: str | None = None,
    also: Sequence[Write] = (),
) -> tuple[list[EventEnvelope], list[int | None]]:
    """The write itself, in the caller's transaction: store, inline projections, outbox, and `also`
    (writes of the caller's own), in one statement when the projections can say what they write as
    writes, else with the projections applied after it. The events carry `jurisdiction` and the
    caller the request runs for (`current_actor`). Answers the envelopes written and, for each of
    `also`, the rows it returned if it is counted."""
    traceparent = current_traceparent()
    actor = current_actor()
    applied: list[tuple[EventEnvelope, EventPayload]] = []
    for i, item in enumerate(events, start=1):
        new = item if isinstance(item, NewEvent) else NewEvent(item)
        envelope = EventEnvelope(
            id=new.id,
            source=registry.source,
            type=registry.type_of(new.payload),
            subject=stream_id,
            time=new.time,
            data=new.payload.model_dump(mode="json"),
            stream_version=expected_version + i,
            traceparent=traceparent,
            jurisdiction=jurisdiction,
            actor=actor,
        )
        applied.append((envelope, new.payload))
    envelopes = [envelope for envelope, _ in applied]
    if not envelopes:
        return [], await run_writes(conn, also)
    projected = statement_writes(projections, applied)
    counts = await PostgresEventStore(registry.source).append(
        conn, stream_id, expected_version, envelopes, also=[*also, *(projected or []), outbox_write(topic, envelopes)]
    )
    if projected is None:
        await apply_all(conn, projections, applied)
    return envelopes, counts[: len(also)]
