"""notify's own copy of who members are (name, origin), from roster's member-registered events."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from kite_notify.adapters.db import Conn


@dataclass(frozen=True)
class DirectoryEntry:
    member_id: uuid.UUID
    name: str
    origin_division_code: str


async def remember(conn: Conn, entry: DirectoryEntry) -> None:
    await conn.execute(
        """INSERT INTO member_directory (member_id, name, origin_division_code) VALUES ($1, $2, $3)
           ON CONFLICT (member_id) DO UPDATE SET name = EXCLUDED.name,
                                                 origin_division_code = EXCLUDED.origin_division_code""",
        entry.member_id,
        entry.name,
        entry.origin_division_code,
    )


async def look_up(conn: Conn, member_id: uuid.UUID) -> DirectoryEntry | None:
    row = await conn.fetchrow(
        "SELECT member_id, name, origin_division_code FROM member_directory WHERE member_id = $1", member_id
    )
    return DirectoryEntry(row["member_id"], row["name"], row["origin_division_code"]) if row else None
