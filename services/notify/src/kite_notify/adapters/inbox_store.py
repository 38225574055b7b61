"""Reads of the member inbox read model: newest first, paged by (created_at, notification_id)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from kite_notify.adapters.db import Conn

_COLUMNS = "notification_id, member_id, kind, title, body, created_at, read_at"

# Where a page starts: after the row with this (created_at, notification_id).
After = tuple[datetime, uuid.UUID]


@dataclass(frozen=True)
class InboxPage:
    items: list[asyncpg.Record]
    more: bool  # rows follow the last item
    unread: int


_BROADCAST_COLUMNS = "broadcast_id AS notification_id, member_id, 'broadcast' AS kind, title, body, created_at, read_at"


async def list_inbox(conn: Conn, member_id: uuid.UUID, limit: int, after: After | None) -> InboxPage:
    """The member's own notices and the broadcasts that reached them, merged newest first; each side
    reads its own (member_id, created_at DESC, id DESC) index."""
    before = "AND (created_at, {id}) < ($3, $4)" if after is not None else ""
    created_at, nid = after if after is not None else (None, None)
    rows = await conn.fetch(
        f"""(SELECT {_COLUMNS} FROM member_inbox WHERE member_id = $1 {before.format(id="notification_id")}
             ORDER BY created_at DESC, notification_id DESC LIMIT $2)
            UNION ALL
            (SELECT {_BROADCAST_COLUMNS} FROM broadcast_inbox WHERE member_id = $1 {before.format(id="broadcast_id")}
             ORDER BY created_at DESC, broadcast_id DESC LIMIT $2)
            ORDER BY created_at DESC, notification_id DESC LIMIT $2""",
        *([member_id, limit + 1, created_at, nid] if after is not None else [member_id, limit + 1]),
    )
    unread: int = await conn.fetchval(
        """SELECT (SELECT count(*) FROM member_inbox WHERE member_id = $1 AND read_at IS NULL)
                + (SELECT count(*) FROM broadcast_inbox WHERE member_id = $1 AND read_at IS NULL)""",
        member_id,
    )
    return InboxPage(list(rows[:limit]), len(rows) > limit, unread)


async def get_item(conn: Conn, member_id: uuid.UUID, notification_id: uuid.UUID) -> asyncpg.Record | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM member_inbox WHERE member_id = $1 AND notification_id = $2", member_id, notification_id
    )
    if row is not None:
        return row
    return await conn.fetchrow(
        f"SELECT {_BROADCAST_COLUMNS} FROM broadcast_inbox WHERE member_id = $1 AND broadcast_id = $2",
        member_id,
        notification_id,
    )


async def mark_broadcast_read(conn: Conn, member_id: uuid.UUID, broadcast_id: uuid.UUID) -> None:
    await conn.execute(
        "UPDATE broadcast_inbox SET read_at = now() WHERE member_id = $1 AND broadcast_id = $2 AND read_at IS NULL",
        member_id,
        broadcast_id,
    )


async def origin_in_inbox(conn: Conn, member_id: uuid.UUID) -> str | None:
    """The origin a member's notifications were sent under (for a member the directory does not know)."""
    origin: str | None = await conn.fetchval(
        "SELECT origin_division_code FROM member_inbox WHERE member_id = $1 LIMIT 1", member_id
    )
    return origin
