"""Append events on a connection the caller already holds, in its transaction.

The platform's UnitOfWork opens its own connection from the pool; a consumer handler runs inside the
inbox transaction on a given connection, and its writes must commit with the inbox row. This uses the
platform's `append_events` (event store, inline projections, outbox) on that connection.
"""

from __future__ import annotations

from collections.abc import Sequence

from kite_common.events import EventEnvelope, EventPayload
from kite_common.unit_of_work import append_events

from kite_notify.adapters.db import Conn
from kite_notify.adapters.projections import PROJECTIONS
from kite_notify.domain.events import registry


async def stream_version(conn: Conn, stream_id: str) -> int:
    version: int | None = await conn.fetchval("SELECT max(stream_version) FROM events WHERE stream_id = $1", stream_id)
    return version or 0


async def append_on(
    conn: Conn, topic: str, stream_id: str, expected_version: int, events: Sequence[EventPayload]
) -> list[EventEnvelope]:
    return await append_events(conn, registry, PROJECTIONS, topic, stream_id, expected_version, events)
