"""Pending webhook deliveries in PostgreSQL: enqueued with the notification, claimed by workers with
FOR UPDATE SKIP LOCKED under a lease, gone once the outcome event is stored."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from kite_notify.adapters.db import Conn
from kite_notify.domain.channel import NotificationMessage
from kite_notify.domain.events import NotificationCreated, registry


@dataclass(frozen=True)
class Claimed:
    notification_id: uuid.UUID
    subscription_id: uuid.UUID
    attempts: int  # failed attempts so far
    url: str | None  # None when the subscription has been removed since
    message: NotificationMessage


async def enqueue(
    conn: Conn,
    notification_id: uuid.UUID,
    subscription_ids: Sequence[uuid.UUID],
    event_id: uuid.UUID,
    topic: str,
) -> None:
    """`topic` is notify's own, where the delivery's outcome is published."""
    await conn.executemany(
        """INSERT INTO webhook_deliveries (notification_id, subscription_id, event_id, topic)
           VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING""",
        [(notification_id, s, event_id, topic) for s in subscription_ids],
    )


async def claim(pool: asyncpg.Pool, limit: int, lease_s: float) -> list[Claimed]:
    """Due deliveries nobody holds, leased to this worker for `lease_s` seconds."""
    rows = await pool.fetch(
        """WITH due AS (
               SELECT notification_id, subscription_id FROM webhook_deliveries
               WHERE next_attempt_at <= now() AND (locked_until IS NULL OR locked_until < now())
               ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED),
           claimed AS (
               UPDATE webhook_deliveries d SET locked_until = now() + make_interval(secs => $2)
               FROM due WHERE d.notification_id = due.notification_id AND d.subscription_id = due.subscription_id
               RETURNING d.notification_id, d.subscription_id, d.event_id, d.attempts)
           SELECT c.*, e.stream_id, e.stream_version, e.type, e.data, e.occurred_at, e.traceparent,
                  CASE WHEN s.removed_at IS NULL THEN s.url END AS url
           FROM claimed c JOIN events e ON e.event_id = c.event_id
           LEFT JOIN webhook_subscriptions s ON s.subscription_id = c.subscription_id""",
        limit,
        lease_s,
    )
    out = []
    for r in rows:
        payload = registry.parse(r["type"], r["data"])
        assert isinstance(payload, NotificationCreated)
        message = NotificationMessage(r["event_id"], r["stream_id"], r["type"], r["occurred_at"], payload)
        out.append(Claimed(r["notification_id"], r["subscription_id"], r["attempts"], r["url"], message))
    return out


async def record_failed_attempt(pool: asyncpg.Pool, d: Claimed, attempts: int, error: str, retry_in_s: float) -> None:
    """Kept durable so a restarted worker neither retries too soon nor gives more attempts than allowed."""
    await pool.execute(
        """UPDATE webhook_deliveries SET attempts = $3, last_error = $4,
                  next_attempt_at = now() + make_interval(secs => $5)
           WHERE notification_id = $1 AND subscription_id = $2""",
        d.notification_id,
        d.subscription_id,
        attempts,
        error[:500],
        retry_in_s,
    )


async def release(pool: asyncpg.Pool, d: Claimed) -> None:
    """Give the lease back (on shutdown), so another worker can resume at once."""
    await pool.execute(
        "UPDATE webhook_deliveries SET locked_until = NULL WHERE notification_id = $1 AND subscription_id = $2",
        d.notification_id,
        d.subscription_id,
    )


async def finish(conn: Conn, d: Claimed) -> None:
    await conn.execute(
        "DELETE FROM webhook_deliveries WHERE notification_id = $1 AND subscription_id = $2",
        d.notification_id,
        d.subscription_id,
    )
