"""Writes events to the outbox in the business transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence

from kite_common.db.statements import Write, run_writes
from kite_common.db.types import Connection
from kite_common.events import EventEnvelope
from kite_common.messaging.cloudevents_kafka import encode

# One statement for any number of events; the headers come as JSON text (a jsonb[] argument would take
# each header pair for a dimension of the array).
_INSERT = """INSERT INTO outbox (event_id, topic, key, headers, body)
    SELECT o.event_id, $1, o.key, o.headers::jsonb, o.body
    FROM unnest($2::uuid[], $3::text[], $4::text[], $5::bytea[]) WITH ORDINALITY AS o(event_id, key, headers, body, n)
    ORDER BY o.n"""
# One event's row, with no arrays to encode and plan.
_INSERT_ONE = "INSERT INTO outbox (event_id, topic, key, headers, body) VALUES ($1, $2, $3, $4::text::jsonb, $5)"


def outbox_write(topic: str, events: Sequence[EventEnvelope]) -> Write:
    """The outbox rows of `events`, as a write that can go in the append's own statement."""
    ids, keys, headers, bodies = [], [], [], []
    for event in events:
        key, body, event_headers = encode(event)
        ids.append(event.id)
        keys.append(key.decode())
        headers.append(json.dumps([[k, v.decode()] for k, v in event_headers], ensure_ascii=False))
        bodies.append(body)
    if len(events) == 1:
        return Write(_INSERT_ONE, (ids[0], topic, keys[0], headers[0], bodies[0]))
    return Write(_INSERT, (topic, ids, keys, headers, bodies))


async def write_outbox(conn: Connection, topic: str, events: Sequence[EventEnvelope]) -> None:
    await run_writes(conn, [outbox_write(topic, events)])
