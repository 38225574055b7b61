"""Who is in a branch, from the party read model: its members on a day, how many it has now, and
the org-life sessions it already held."""

from __future__ import annotations

import uuid
from datetime import date

from kite_common.db.types import Connection

from kite_roster.party.domain.party_events import OrgLifeKind


async def members_on(conn: Connection, organisation_id: uuid.UUID, day: date) -> list[uuid.UUID]:
    rows = await conn.fetch(
        """SELECT member_id FROM branch_memberships
           WHERE organisation_id = $1 AND joined_on <= $2 AND (left_on IS NULL OR left_on > $2)""",
        organisation_id,
        day,
    )
    return [r["member_id"] for r in rows]


async def member_count(conn: Connection, organisation_id: uuid.UUID) -> int:
    count: int | None = await conn.fetchval(
        "SELECT members FROM branch_counts WHERE organisation_id = $1", organisation_id
    )
    return count or 0


async def session_held(
    conn: Connection, organisation_id: uuid.UUID, kind: OrgLifeKind, held_on: date, topic: str
) -> uuid.UUID | None:
    """The session of this kind, day and topic the branch already recorded, if any."""
    session_id: uuid.UUID | None = await conn.fetchval(
        """SELECT session_id FROM org_life_sessions
           WHERE organisation_id = $1 AND kind = $2 AND held_on = $3 AND topic = $4""",
        organisation_id,
        kind.value,
        held_on,
        topic,
    )
    return session_id
