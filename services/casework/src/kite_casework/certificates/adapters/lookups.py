"""What issuing a certificate reads besides the member directory's `find_member`: whether the member
is a party member (from the same directory) and whose a linked case is (casework's `cases`)."""

from __future__ import annotations

import uuid

from kite_common.db.types import Connection


async def is_party_member(conn: Connection, member_id: uuid.UUID) -> bool:
    value = await conn.fetchval("SELECT is_party_member FROM member_directory WHERE member_id = $1", member_id)
    return bool(value)


async def case_member(conn: Connection, case_id: uuid.UUID) -> uuid.UUID | None:
    """The member a case is for; None when there is no such case."""
    value: uuid.UUID | None = await conn.fetchval("SELECT member_id FROM cases WHERE case_id = $1", case_id)
    return value
