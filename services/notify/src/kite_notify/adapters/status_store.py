"""Reads of a notification's status and its history."""

from __future__ import annotations

import uuid

import asyncpg

from kite_notify.adapters.db import Conn


async def get(conn: Conn, notification_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """SELECT notification_id, member_id, origin_division_code, kind, channels, reference, requested_by,
                  created_at FROM notifications WHERE notification_id = $1""",
        notification_id,
    )


async def deliveries(conn: Conn, notification_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT channel, target, status, attempts, detail, provider_reference, updated_at FROM delivery_status
           WHERE notification_id = $1 ORDER BY channel, target""",
        notification_id,
    )


async def history(conn: Conn, notification_id: uuid.UUID) -> list[asyncpg.Record]:
    """The notification's events in order (its stream)."""
    return await conn.fetch(
        "SELECT type, occurred_at, data FROM events WHERE stream_id = $1 ORDER BY stream_version",
        f"notification-{notification_id}",
    )
