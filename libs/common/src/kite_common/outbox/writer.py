"""Writes events to the outbox in the business transaction."""

from __future__ import annotations

from collections.abc import Sequence

from kite_common.db.types import Connection
from kite_common.events import EventEnvelope
from kite_common.messaging.cloudevents_kafka import encode


async def write_outbox(conn: Connection, topic: str, events: Sequence[EventEnvelope]) -> None:
    rows = []
    for event in events:
        key, body, headers = encode(event)
        rows.append((event.id, topic, key.decode(), [[k, v.decode()] for k, v in headers], body))
    await conn.executemany("INSERT INTO outbox (event_id, topic, key, headers, body) VALUES ($1, $2, $3, $4, $5)", rows)
