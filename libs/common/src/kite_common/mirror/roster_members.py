"""A tolerant reader of roster's member events, and the mirror that keeps them.

casework, jobs and notify each keep a copy of the members they serve (who they are, where home is
for jurisdiction, where they work, whether they are still on the roster). They declare a
`MirrorTable` with the columns they keep; everything else — which roster events matter, what each
one changes, the version guard — is here, once. Only fields a mirror may keep are read; fields roster
adds later are ignored, so roster can add optional ones without breaking anyone.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kite_common.db.types import Connection
from kite_common.events import EventEnvelope
from kite_common.mirror.table import MirrorTable

MEMBER_REGISTERED = "kite.roster.member-registered.v1"
MEMBER_UPDATED = "kite.roster.member-updated.v1"
MEMBER_RELOCATED = "kite.roster.member-relocated.v1"
MEMBER_DEREGISTERED = "kite.roster.member-deregistered.v1"
MEMBER_EVENT_TYPES = frozenset({MEMBER_REGISTERED, MEMBER_UPDATED, MEMBER_RELOCATED, MEMBER_DEREGISTERED})

# Roster's deregistration reasons as people read them; a reason added later reads as no label.
DEREGISTRATION_REASONS = {"returned-home": "返乡", "deceased": "去世", "moved-away": "迁出", "other": "其他"}

# Every column a member mirror may keep: what roster's member events say of a member.
MEMBER_COLUMNS = frozenset(
    {
        "name",
        "gender",
        "birth_year",
        "origin_division_code",
        "current_city",
        "employer",
        "is_party_member",
        "skills",
        "registered_by",
        "registered_at",
        "deregistered_at",
        "deregistered_reason",
    }
)


class _MemberEvent(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    member_id: uuid.UUID


class MemberRegistered(_MemberEvent):
    name: str
    gender: str
    birth_year: int
    origin_division_code: str = Field(pattern=r"^[0-9]{12}$")
    current_city: str
    employer: str | None = None
    is_party_member: bool = False
    skills: list[str] = []
    registered_by: str


class MemberUpdated(_MemberEvent):
    """`changed` names the fields the edit changed; only those carry a new value."""

    changed: list[str] = []
    name: str | None = None
    skills: list[str] | None = None


class MemberRelocated(_MemberEvent):
    current_city: str
    employer: str | None = None


class MemberDeregistered(_MemberEvent):
    reason: str | None = None


@dataclass(frozen=True)
class MemberChange:
    """What one roster event says of a member: a registration (the whole record) or a change."""

    member_id: uuid.UUID
    version: int
    values: dict[str, Any]
    registration: bool


def read_member_event(envelope: EventEnvelope) -> MemberChange | None:
    """The member facts an event carries, or None for a roster event that says nothing of them.
    A malformed event of a known type raises (a broken contract is for the DLQ)."""
    version = envelope.stream_version
    if envelope.type == MEMBER_REGISTERED:
        m = MemberRegistered.model_validate(envelope.data)
        values = m.model_dump(exclude={"member_id"}) | {"registered_at": envelope.time}
        return MemberChange(m.member_id, version, values, registration=True)
    if envelope.type == MEMBER_UPDATED:
        u = MemberUpdated.model_validate(envelope.data)
        values = {}
        if "name" in u.changed and u.name:
            values["name"] = u.name
        if "skills" in u.changed and u.skills is not None:
            values["skills"] = u.skills
        return MemberChange(u.member_id, version, values, registration=False)
    if envelope.type == MEMBER_RELOCATED:
        r = MemberRelocated.model_validate(envelope.data)
        return MemberChange(r.member_id, version, {"current_city": r.current_city, "employer": r.employer}, False)
    if envelope.type == MEMBER_DEREGISTERED:
        d = MemberDeregistered.model_validate(envelope.data)
        values = {"deregistered_at": envelope.time, "deregistered_reason": d.reason}
        return MemberChange(d.member_id, version, values, registration=False)
    return None


@dataclass(frozen=True)
class MemberMirror:
    """A service's copy of roster members, in `table` (which names the columns it keeps)."""

    table: MirrorTable

    def __post_init__(self) -> None:
        unknown = self.table.columns - MEMBER_COLUMNS
        if unknown:
            raise ValueError(f"roster's member events say nothing of {sorted(unknown)}")

    async def apply(self, conn: Connection, envelope: EventEnvelope) -> MemberChange | None:
        """Keep what the event says of a member; returns the change it read (None: not a member event)."""
        change = read_member_event(envelope)
        if change is None:
            return None
        if change.registration:
            await self.table.upsert(conn, change.member_id, change.version, change.values)
        else:
            await self.table.update(conn, change.member_id, change.version, change.values)
        return change

    async def apply_many(self, conn: Connection, envelopes: Sequence[EventEnvelope]) -> list[MemberChange | None]:
        """`apply` for each event in order, with the registrations written together: a run of them
        is one statement, ended by a change to a member of the run (which must come after it)."""
        changes = [read_member_event(e) for e in envelopes]
        pending: dict[uuid.UUID, MemberChange] = {}

        async def flush() -> None:
            if pending:
                await self.table.upsert_many(conn, [(c.member_id, c.version, c.values) for c in pending.values()])
                pending.clear()

        for change in changes:
            if change is None:
                continue
            if change.member_id in pending:
                await flush()
            if change.registration:
                pending[change.member_id] = change
            else:
                await self.table.update(conn, change.member_id, change.version, change.values)
        await flush()
        return changes
