"""Casework's member directory: its own copy of roster members, in the `member_directory` table.

Casework never reads the roster's tables; it keeps the few facts it needs (who the member is, where
home is for jurisdiction, where they work now, whether they are still on the roster) from roster's
member events, through the platform's member mirror (version-guarded: an older event never
overwrites a newer one). The consumer that feeds it is `kite_casework.consumers.member_directory`;
here are the table's declaration and the lookup the use cases make.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from kite_common.db.types import Connection
from kite_common.mirror import MemberMirror, MirrorTable
from kite_common.mirror.roster_members import DEREGISTRATION_REASONS, MEMBER_COLUMNS

MIRROR = MemberMirror(
    MirrorTable(
        table="member_directory",
        key="member_id",
        version_column="roster_version",
        columns=MEMBER_COLUMNS,  # everything roster says of a member
    )
)


@dataclass(frozen=True)
class DirectoryEntry:
    member_id: uuid.UUID
    name: str
    origin_division_code: str
    deregistered_at: datetime | None = None
    deregistered_reason: str | None = None

    @property
    def deregistered(self) -> bool:
        return self.deregistered_at is not None

    @property
    def deregistered_label(self) -> str | None:
        return DEREGISTRATION_REASONS.get(self.deregistered_reason or "")


async def find_member(conn: Connection, member_id: uuid.UUID) -> DirectoryEntry | None:
    row = await conn.fetchrow(
        """SELECT member_id, name, origin_division_code, deregistered_at, deregistered_reason
           FROM member_directory WHERE member_id = $1""",
        member_id,
    )
    if row is None:
        return None
    return DirectoryEntry(
        row["member_id"], row["name"], row["origin_division_code"], row["deregistered_at"], row["deregistered_reason"]
    )
