"""Reads of a member's inbox: newest first, paged by an opaque cursor."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from kite_common.http.problems import Problem

from kite_notify.adapters.db import Conn

_COLUMNS = "notification_id, member_id, kind, title, body, created_at, read_at"


@dataclass(frozen=True)
class InboxPage:
    items: list[asyncpg.Record]
    next_cursor: str | None
    unread: int


def encode_cursor(created_at: datetime, notification_id: uuid.UUID) -> str:
    raw = f"{created_at.isoformat()}|{notification_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, nid = raw.split("|")
        return datetime.fromisoformat(when), uuid.UUID(nid)
    except ValueError as exc:
        raise Problem("分页游标无效", status=400, code="bad-cursor") from exc


async def list_inbox(conn: Conn, member_id: uuid.UUID, limit: int, cursor: str | None) -> InboxPage:
    if cursor:
        created_at, nid = decode_cursor(cursor)
        rows = await conn.fetch(
            f"""SELECT {_COLUMNS} FROM member_inbox WHERE member_id = $1 AND (created_at, notification_id) < ($2, $3)
                ORDER BY created_at DESC, notification_id DESC LIMIT $4""",
            member_id,
            created_at,
            nid,
            limit + 1,
        )
    else:
        rows = await conn.fetch(
            f"""SELECT {_COLUMNS} FROM member_inbox WHERE member_id = $1
                ORDER BY created_at DESC, notification_id DESC LIMIT $2""",
            member_id,
            limit + 1,
        )
    unread: int = await conn.fetchval(
        "SELECT count(*) FROM member_inbox WHERE member_id = $1 AND read_at IS NULL", member_id
    )
    last = rows[limit - 1] if len(rows) > limit else None
    next_cursor = encode_cursor(last["created_at"], last["notification_id"]) if last else None
    return InboxPage(list(rows[:limit]), next_cursor, unread)


async def get_item(conn: Conn, member_id: uuid.UUID, notification_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM member_inbox WHERE member_id = $1 AND notification_id = $2", member_id, notification_id
    )
