"""Pending email and SMS deliveries in PostgreSQL, claimed by the worker with FOR UPDATE SKIP LOCKED under
a lease, gone once a final status is stored."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from kite_notify.adapters.db import Conn


@dataclass(frozen=True)
class Pending:
    notification_id: uuid.UUID
    channel: str
    address_enc: str
    kind: str
    title: str
    body: str
    values: dict[str, str]
    attempts: int  # failed attempts so far


async def enqueue(
    conn: Conn,
    notification_id: uuid.UUID,
    channel: str,
    address_enc: str,
    kind: str,
    title: str,
    body: str,
    values: dict[str, str],
    topic: str,
    not_before: datetime | None = None,
) -> None:
    """`not_before`: the end of the member's quiet hours, when the notice falls in them."""
    await conn.execute(
        """INSERT INTO outbound_deliveries (notification_id, channel, address_enc, kind, title, body,
                                            template_values, topic, next_attempt_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, coalesce($9, now())) ON CONFLICT DO NOTHING""",
        notification_id,
        channel,
        address_enc,
        kind,
        title,
        body,
        json.dumps(values, ensure_ascii=False),
        topic,
        not_before,
    )


async def enqueue_many(
    conn: Conn,
    kind: str,
    pending: list[tuple[uuid.UUID, str, str, str, str, dict[str, str], datetime]],
    topic: str,
) -> None:
    """Many deliveries of one kind at once: (notification, channel, sealed address, title, body,
    values, not before) each; one insert, and a row already queued stays as it is."""
    await conn.execute(
        """INSERT INTO outbound_deliveries (notification_id, channel, address_enc, kind, title, body,
                                            template_values, topic, next_attempt_at)
           SELECT n, c, a, $1, t, b, v::jsonb, $2, w
           FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[])
                AS u(n, c, a, t, b, v, w)
           ON CONFLICT DO NOTHING""",
        kind,
        topic,
        [p[0] for p in pending],
        [p[1] for p in pending],
        [p[2] for p in pending],
        [p[3] for p in pending],
        [p[4] for p in pending],
        [json.dumps(p[5], ensure_ascii=False) for p in pending],
        [p[6] for p in pending],
    )


async def claim(pool: asyncpg.Pool, channel: str, limit: int, lease_s: float) -> list[Pending]:
    rows = await pool.fetch(
        """WITH due AS (
               SELECT notification_id, channel FROM outbound_deliveries
               WHERE channel = $1 AND next_attempt_at <= now() AND (locked_until IS NULL OR locked_until < now())
               ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED)
           UPDATE outbound_deliveries d SET locked_until = now() + make_interval(secs => $3)
           FROM due WHERE d.notification_id = due.notification_id AND d.channel = due.channel
           RETURNING d.notification_id, d.channel, d.address_enc, d.kind, d.title, d.body, d.template_values,
                     d.attempts""",
        channel,
        limit,
        lease_s,
    )
    return [
        Pending(
            r["notification_id"],
            r["channel"],
            r["address_enc"],
            r["kind"],
            r["title"],
            r["body"],
            json.loads(r["template_values"]) if isinstance(r["template_values"], str) else r["template_values"],
            r["attempts"],
        )
        for r in rows
    ]


async def retry_later(pool: asyncpg.Pool, p: Pending, attempts: int, error: str, retry_in_s: float) -> None:
    await pool.execute(
        """UPDATE outbound_deliveries SET attempts = $3, last_error = $4, locked_until = NULL,
                  next_attempt_at = now() + make_interval(secs => $5)
           WHERE notification_id = $1 AND channel = $2""",
        p.notification_id,
        p.channel,
        attempts,
        error[:500],
        retry_in_s,
    )


async def release(pool: asyncpg.Pool, p: Pending) -> None:
    await pool.execute(
        "UPDATE outbound_deliveries SET locked_until = NULL WHERE notification_id = $1 AND channel = $2",
        p.notification_id,
        p.channel,
    )


async def finish(conn: Conn, p: Pending) -> None:
    await conn.execute(
        "DELETE FROM outbound_deliveries WHERE notification_id = $1 AND channel = $2", p.notification_id, p.channel
    )
