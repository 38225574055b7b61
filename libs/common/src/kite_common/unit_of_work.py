"""One write, one transaction: append events, update own read models, write the outbox."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from kite_common.db.types import Connection
from kite_common.events import EventEnvelope, EventPayload, EventRegistry, NewEvent
from kite_common.eventstore import PostgresEventStore
from kite_common.outbox.writer import write_outbox
from kite_common.projection import Projection, apply_all
from kite_common.tracing_context import current_traceparent


@dataclass(frozen=True)
class LoadedStream:
    stream_id: str
    version: int
    events: list[EventPayload]


class UnitOfWork:
    """Use as `async with UnitOfWork(...) as uow:`; commits on a clean exit, rolls back on error."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        registry: EventRegistry,
        projections: Sequence[Projection],
        topic: str,
    ) -> None:
        self._pool = pool
        self._registry = registry
        self._store = PostgresEventStore(registry.source)
        self._projections = projections
        self._topic = topic
        self._conn: PoolConnectionProxy | None = None
        self._tx: asyncpg.transaction.Transaction | None = None

    @property
    def conn(self) -> Connection:
        if self._conn is None:
            raise RuntimeError("unit of work is not open")
        return self._conn

    async def __aenter__(self) -> UnitOfWork:
        self._conn = await self._pool.acquire()
        self._tx = self._conn.transaction()
        await self._tx.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._tx is not None and self._conn is not None
        try:
            if exc_type is None:
                await self._tx.commit()
            else:
                await self._tx.rollback()
        finally:
            await self._pool.release(self._conn)
            self._conn = None

    async def load(self, stream_id: str) -> LoadedStream:
        envelopes = await self._store.read_stream(self.conn, stream_id)
        payloads = [self._registry.parse(e.type, e.data) for e in envelopes]
        return LoadedStream(stream_id, len(envelopes), payloads)

    async def append(
        self, stream_id: str, expected_version: int, events: Sequence[EventPayload | NewEvent]
    ) -> list[EventEnvelope]:
        return await append_events(
            self.conn, self._registry, self._projections, self._topic, stream_id, expected_version, events
        )


async def append_events(
    conn: Connection,
    registry: EventRegistry,
    projections: Sequence[Projection],
    topic: str,
    stream_id: str,
    expected_version: int,
    events: Sequence[EventPayload | NewEvent],
) -> list[EventEnvelope]:
    """The write itself, in the caller's transaction: store, inline projections, outbox. A consumer
    handler uses it on the connection of its inbox transaction."""
    traceparent = current_traceparent()
    envelopes: list[EventEnvelope] = []
    payloads: list[EventPayload] = []
    for i, item in enumerate(events, start=1):
        new = item if isinstance(item, NewEvent) else NewEvent(item)
        payloads.append(new.payload)
        envelopes.append(
            EventEnvelope(
                id=new.id,
                source=registry.source,
                type=registry.type_of(new.payload),
                subject=stream_id,
                time=new.time,
                data=new.payload.model_dump(mode="json"),
                stream_version=expected_version + i,
                traceparent=traceparent,
            )
        )
    await PostgresEventStore(registry.source).append(conn, stream_id, expected_version, envelopes)
    await apply_all(conn, projections, list(zip(envelopes, payloads, strict=True)))
    await write_outbox(conn, topic, envelopes)
    return envelopes
