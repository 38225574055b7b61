"""Jobs' own copy of roster households, kept from roster.events: the flags that decide matching
priority (建档立卡 poverty-registered, 防返贫监测 monitored) and who belongs to which household.

The member mirror (kite_common.mirror) says nothing of households, so jobs reads roster's household
events itself, with tolerant models (fields roster adds later are ignored). A household's flags carry
its stream version; an older event never overwrites a newer one. Membership rows are keyed by
(household, member): a member's move is a removal from one household's stream and an addition to
another's, which may arrive in either order.
"""

from __future__ import annotations

import uuid

from kite_common.db.types import Connection
from kite_common.events import EventEnvelope
from kite_common.mirror import MirrorTable
from pydantic import BaseModel, ConfigDict, Field

from kite_jobs.adapters.employment_state import households_changed

HOUSEHOLD_REGISTERED = "kite.roster.household-registered.v1"
HOUSEHOLD_FLAGS_CHANGED = "kite.roster.household-flags-changed.v1"
HOUSEHOLD_MEMBER_ADDED = "kite.roster.household-member-added.v1"
HOUSEHOLD_MEMBER_REMOVED = "kite.roster.household-member-removed.v1"

HOUSEHOLDS = MirrorTable(
    table="households",
    key="household_id",
    version_column="roster_version",
    columns=frozenset({"division_code", "poverty_registered", "monitored"}),
)


class _Flags(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    household_id: uuid.UUID
    poverty_registered: bool = False
    monitored: bool = False


class _Registered(_Flags):
    division_code: str = Field(pattern=r"^[0-9]{12}$")


class _Membership(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    household_id: uuid.UUID
    member_id: uuid.UUID


async def apply_household_event(conn: Connection, envelope: EventEnvelope) -> bool:
    """Keep what a roster household event says, and what follows from it (who is at work in the
    household, its members' matching tier, the ledger); False for any other event."""
    version = envelope.stream_version
    if envelope.type == HOUSEHOLD_REGISTERED:
        r = _Registered.model_validate(envelope.data)
        await HOUSEHOLDS.upsert(conn, r.household_id, version, r.model_dump(exclude={"household_id"}))
        await households_changed(conn, [r.household_id])
    elif envelope.type == HOUSEHOLD_FLAGS_CHANGED:
        f = _Flags.model_validate(envelope.data)
        await HOUSEHOLDS.update(conn, f.household_id, version, f.model_dump(exclude={"household_id"}))
        await households_changed(conn, [f.household_id])
    elif envelope.type == HOUSEHOLD_MEMBER_ADDED:
        m = _Membership.model_validate(envelope.data)
        await conn.execute(
            "INSERT INTO household_members (household_id, member_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            m.household_id,
            m.member_id,
        )
        await households_changed(conn, [m.household_id], [m.member_id])
    elif envelope.type == HOUSEHOLD_MEMBER_REMOVED:
        m = _Membership.model_validate(envelope.data)
        await conn.execute(
            "DELETE FROM household_members WHERE household_id = $1 AND member_id = $2", m.household_id, m.member_id
        )
        await households_changed(conn, [m.household_id], [m.member_id])
    else:
        return False
    return True
