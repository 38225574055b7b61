"""Members' notification preferences in PostgreSQL (addresses encrypted by the caller)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from kite_notify.adapters.db import Conn
from kite_notify.domain.preferences import Preferences, QuietHours


@dataclass(frozen=True)
class StoredPreferences:
    preferences: Preferences
    phone_enc: str | None
    email_enc: str | None
    set_by: str | None
    updated_at: datetime | None


_SELECT = """SELECT member_id, channels, language, quiet_start, quiet_end, timezone, broadcasts, phone_enc, email_enc,
                    set_by, updated_at FROM member_preferences"""


async def find(conn: Conn, member_id: uuid.UUID) -> StoredPreferences | None:
    row = await conn.fetchrow(f"{_SELECT} WHERE member_id = $1", member_id)
    return _stored(row) if row is not None else None


async def find_many(conn: Conn, member_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, StoredPreferences]:
    """`find` for many members in one statement (those who set none are absent)."""
    rows = await conn.fetch(f"{_SELECT} WHERE member_id = ANY($1::uuid[])", list(member_ids))
    return {r["member_id"]: _stored(r) for r in rows}


def _stored(row: asyncpg.Record) -> StoredPreferences:
    quiet = QuietHours(row["quiet_start"], row["quiet_end"], row["timezone"]) if row["quiet_start"] else None
    prefs = Preferences(
        tuple(row["channels"]),
        row["language"],
        quiet,
        row["broadcasts"],
        row["phone_enc"] is not None,
        row["email_enc"] is not None,
    )
    return StoredPreferences(prefs, row["phone_enc"], row["email_enc"], row["set_by"], row["updated_at"])


async def save(
    conn: Conn,
    member_id: uuid.UUID,
    p: Preferences,
    phone_enc: str | None,
    email_enc: str | None,
    set_by: str,
    now: datetime,
) -> None:
    await conn.execute(
        """INSERT INTO member_preferences (member_id, channels, language, quiet_start, quiet_end, timezone, broadcasts,
                                           phone_enc, email_enc, set_by, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
           ON CONFLICT (member_id) DO UPDATE SET channels = EXCLUDED.channels, language = EXCLUDED.language,
               quiet_start = EXCLUDED.quiet_start, quiet_end = EXCLUDED.quiet_end, timezone = EXCLUDED.timezone,
               broadcasts = EXCLUDED.broadcasts, phone_enc = EXCLUDED.phone_enc, email_enc = EXCLUDED.email_enc,
               set_by = EXCLUDED.set_by, updated_at = EXCLUDED.updated_at""",
        member_id,
        list(p.channels),
        p.language,
        p.quiet.start if p.quiet else None,
        p.quiet.end if p.quiet else None,
        p.quiet.timezone if p.quiet else "Asia/Shanghai",
        p.broadcasts,
        phone_enc,
        email_enc,
        set_by,
        now,
    )
