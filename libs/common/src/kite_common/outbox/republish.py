"""Republishing from the event store: the store is the source of truth, the broker only a copy.

The relay records its *published position*: every event at or before it, in the store's gap-safe
order (tx_id, position), has been acknowledged by the broker. A republish request asks the active
relay to send the store's events again from a point up to that position (what comes after it is
still in the outbox and goes out as usual). The relay handles requests before the outbox, so a
stream's events reach the topic in order; the consumers' inbox absorbs what they had already seen.
Messages are the same CloudEvents with the same keys as the first time (`encode` of the stored event).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from kite_common.db.types import Connection
from kite_common.eventstore.postgres import START, GlobalPosition

_BIGINT_MAX = 2**63 - 1


async def record_published_position(conn: Connection) -> GlobalPosition | None:
    """Moves the published position to the last committed event before the first one still in the
    outbox. Called when the outbox is (nearly) drained, so the join is over a few rows."""
    row = await conn.fetchrow(
        """WITH pending AS (
               SELECT e.tx_id, e.position FROM outbox o JOIN events e ON e.event_id = o.event_id
               ORDER BY e.tx_id, e.position LIMIT 1)
           SELECT e.tx_id, e.position FROM events e
           WHERE e.tx_id < pg_snapshot_xmin(pg_current_snapshot())
             AND (NOT EXISTS (SELECT 1 FROM pending)
                  OR (e.tx_id, e.position) < (SELECT p.tx_id, p.position FROM pending p))
           ORDER BY e.tx_id DESC, e.position DESC LIMIT 1"""
    )
    if row is None:
        return None
    await conn.execute(
        """INSERT INTO relay_position (tx_id, position) VALUES ($1, $2)
           ON CONFLICT (singleton) DO UPDATE SET tx_id = EXCLUDED.tx_id, position = EXCLUDED.position,
                                                 updated_at = now()
           WHERE (relay_position.tx_id, relay_position.position) < (EXCLUDED.tx_id, EXCLUDED.position)""",
        row["tx_id"],
        row["position"],
    )
    return GlobalPosition(int(str(row["tx_id"])), row["position"])


async def published_position(conn: Connection) -> GlobalPosition | None:
    row = await conn.fetchrow("SELECT tx_id::text::bigint AS tx_id, position FROM relay_position")
    return None if row is None else GlobalPosition(row["tx_id"], row["position"])


async def position_before(conn: Connection, since: datetime) -> GlobalPosition:
    """A point from which republishing sends at least every event recorded at or after `since`."""
    tx_id = await conn.fetchval(
        "SELECT tx_id::text::bigint FROM events WHERE recorded_at >= $1 ORDER BY tx_id LIMIT 1", since
    )
    if tx_id is None:
        return GlobalPosition(_BIGINT_MAX, _BIGINT_MAX)  # nothing that recent: nothing to send
    return GlobalPosition(tx_id - 1, _BIGINT_MAX) if tx_id > 0 else START


@dataclass(frozen=True)
class RepublishRequest:
    id: int
    topic: str
    source: str
    after: GlobalPosition
    published: int
    done: bool


async def request_republish(
    conn: Connection, topic: str, source: str, after: GlobalPosition = START, reason: str = "operator"
) -> int:
    """Asks the active relay to republish; returns the request's id."""
    request_id: int = await conn.fetchval(
        """INSERT INTO republish_requests (topic, source, after_tx, after_position, reason)
           VALUES ($1, $2, $3::text::xid8, $4, $5) RETURNING id""",
        topic,
        source,
        str(after.tx_id),
        after.position,
        reason,
    )
    await conn.execute("SELECT pg_notify('kite_outbox', '')")
    return request_id


def _request(r: asyncpg.Record) -> RepublishRequest:
    return RepublishRequest(
        r["id"],
        r["topic"],
        r["source"],
        GlobalPosition(r["after_tx"], r["after_position"]),
        r["published"],
        r["done_at"] is not None,
    )


_REQUEST_COLUMNS = "id, topic, source, after_tx::text::bigint AS after_tx, after_position, published, done_at"


async def next_request(conn: Connection) -> RepublishRequest | None:
    row = await conn.fetchrow(
        f"SELECT {_REQUEST_COLUMNS} FROM republish_requests WHERE done_at IS NULL ORDER BY id LIMIT 1"
    )
    return None if row is None else _request(row)


async def get_request(conn: Connection, request_id: int) -> RepublishRequest | None:
    row = await conn.fetchrow(f"SELECT {_REQUEST_COLUMNS} FROM republish_requests WHERE id = $1", request_id)
    return None if row is None else _request(row)


async def advance_request(conn: Connection, request_id: int, after: GlobalPosition, sent: int, done: bool) -> None:
    await conn.execute(
        """UPDATE republish_requests
           SET after_tx = $2::text::xid8, after_position = $3, published = published + $4,
               done_at = CASE WHEN $5 THEN now() END
           WHERE id = $1""",
        request_id,
        str(after.tx_id),
        after.position,
        sent,
        done,
    )


async def wait_until_done(conn: Connection, request_id: int, timeout: float, interval: float = 0.5) -> RepublishRequest:
    """Polls the request until the relay has finished it (or `timeout` seconds passed)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        request = await get_request(conn, request_id)
        assert request is not None
        if request.done or loop.time() >= deadline:
            return request
        await asyncio.sleep(interval)
