"""notify's own copy of who members are (name, origin, whether still on the roster), from roster's
member-registered, member-updated and member-deregistered events. A member's events arrive in order
(one key) and the consumer's inbox drops redeliveries; the version guard is a second line: an
older event never overwrites a newer one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from kite_notify.adapters.db import Conn


@dataclass(frozen=True)
class DirectoryEntry:
    member_id: uuid.UUID
    name: str
    origin_division_code: str
    deregistered: bool = False


async def remember(conn: Conn, entry: DirectoryEntry, version: int = 0) -> None:
    """A registration; it never undoes a later deregistration."""
    await conn.execute(
        """INSERT INTO member_directory (member_id, name, origin_division_code, roster_version) VALUES ($1, $2, $3, $4)
           ON CONFLICT (member_id) DO UPDATE SET name = EXCLUDED.name,
                                                 origin_division_code = EXCLUDED.origin_division_code,
                                                 roster_version = EXCLUDED.roster_version
           WHERE member_directory.roster_version <= EXCLUDED.roster_version""",
        entry.member_id,
        entry.name,
        entry.origin_division_code,
        version,
    )


async def rename(conn: Conn, member_id: uuid.UUID, name: str, version: int) -> None:
    await conn.execute(
        """UPDATE member_directory SET name = $2, roster_version = $3
           WHERE member_id = $1 AND roster_version < $3""",
        member_id,
        name,
        version,
    )


async def deregister(conn: Conn, member_id: uuid.UUID, at: datetime, version: int) -> None:
    await conn.execute(
        """UPDATE member_directory SET deregistered_at = $2, roster_version = $3
           WHERE member_id = $1 AND roster_version < $3""",
        member_id,
        at,
        version,
    )


async def look_up(conn: Conn, member_id: uuid.UUID) -> DirectoryEntry | None:
    row = await conn.fetchrow(
        """SELECT member_id, name, origin_division_code, deregistered_at IS NOT NULL AS deregistered
           FROM member_directory WHERE member_id = $1""",
        member_id,
    )
    if row is None:
        return None
    return DirectoryEntry(row["member_id"], row["name"], row["origin_division_code"], row["deregistered"])
