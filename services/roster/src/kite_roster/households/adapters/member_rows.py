"""The rows a household write locks: the member's own row and the member's household membership."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from kite_common.db.types import Connection


@dataclass(frozen=True)
class LockedMember:
    origin_division_code: str
    active: bool


async def lock_member(conn: Connection, member_id: uuid.UUID) -> LockedMember | None:
    """The member's row, locked as the household projection will update it (members.household_id):
    additions of one member queue here, so the second sees the first's household, and a
    deregistration cannot commit between the caller's checks and its write. A share lock would
    deadlock on that update."""
    row = await conn.fetchrow(
        "SELECT origin_division_code, status FROM members WHERE member_id = $1 FOR NO KEY UPDATE", member_id
    )
    return None if row is None else LockedMember(row["origin_division_code"], row["status"] == "active")


async def household_of(conn: Connection, member_id: uuid.UUID, *, lock: bool = False) -> uuid.UUID | None:
    """The household the member belongs to now; `lock` holds that membership until the caller commits."""
    household_id: uuid.UUID | None = await conn.fetchval(
        "SELECT household_id FROM household_members WHERE member_id = $1" + (" FOR UPDATE" if lock else ""),
        member_id,
    )
    return household_id
