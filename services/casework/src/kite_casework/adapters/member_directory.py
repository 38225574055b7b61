"""Casework's member directory: a projection of roster.events kept by a Kafka consumer.

Casework never reads the roster's tables; it keeps the few facts it needs (who the member is, where
home is for jurisdiction, where they work now, whether they are still on the roster) from roster's
member events: registered, updated, relocated and deregistered. The consumer's inbox already makes
delivery exactly-once, and a member's events arrive in order (one key); the version guard is a
second line anyway: an older event never overwrites a newer one.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kite_common.db.types import Connection
from kite_common.messaging.cloudevents_kafka import ReceivedEvent
from kite_common.messaging.consumer import ConsumerSpec
from pydantic import BaseModel, ConfigDict, Field

log = logging.getLogger(__name__)

MEMBER_REGISTERED = "kite.roster.member-registered.v1"
MEMBER_UPDATED = "kite.roster.member-updated.v1"
MEMBER_RELOCATED = "kite.roster.member-relocated.v1"
MEMBER_DEREGISTERED = "kite.roster.member-deregistered.v1"

# Roster's deregistration reasons as people read them; a reason added later reads as no label.
DEREGISTRATION_REASONS = {"returned-home": "返乡", "deceased": "去世", "moved-away": "迁出", "other": "其他"}


class _RosterEvent(BaseModel):
    """A tolerant reader of roster's payloads: fields casework does not use are ignored, so roster
    can add optional ones."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    member_id: uuid.UUID


class RegisteredMember(_RosterEvent):
    name: str
    gender: str
    birth_year: int
    origin_division_code: str = Field(pattern=r"^[0-9]{12}$")
    current_city: str
    employer: str | None = None
    is_party_member: bool = False
    skills: list[str] = []
    registered_by: str


class UpdatedMember(_RosterEvent):
    """`changed` names the fields the edit changed; only those carry a new value."""

    changed: list[str] = []
    name: str | None = None
    skills: list[str] | None = None


class RelocatedMember(_RosterEvent):
    current_city: str
    employer: str | None = None


class DeregisteredMember(_RosterEvent):
    reason: str | None = None


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


async def upsert_member(conn: Connection, m: RegisteredMember, registered_at: datetime, version: int) -> None:
    await conn.execute(
        """INSERT INTO member_directory (member_id, name, gender, birth_year, origin_division_code, current_city,
               employer, is_party_member, skills, registered_by, registered_at, roster_version)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)
           ON CONFLICT (member_id) DO UPDATE SET
               name = EXCLUDED.name, gender = EXCLUDED.gender, birth_year = EXCLUDED.birth_year,
               origin_division_code = EXCLUDED.origin_division_code, current_city = EXCLUDED.current_city,
               employer = EXCLUDED.employer, is_party_member = EXCLUDED.is_party_member,
               skills = EXCLUDED.skills, registered_by = EXCLUDED.registered_by,
               registered_at = EXCLUDED.registered_at, roster_version = EXCLUDED.roster_version
           WHERE member_directory.roster_version <= EXCLUDED.roster_version""",
        m.member_id,
        m.name,
        m.gender,
        m.birth_year,
        m.origin_division_code,
        m.current_city,
        m.employer,
        m.is_party_member,
        m.skills,
        m.registered_by,
        registered_at,
        version,
    )


# The only columns a later member event may set (names are interpolated into SQL: never from input).
_UPDATABLE = frozenset({"name", "skills", "current_city", "employer", "deregistered_at", "deregistered_reason"})


async def update_member(conn: Connection, member_id: uuid.UUID, version: int, values: dict[str, Any]) -> None:
    """Sets `values` on the member's entry if `version` is newer than the entry's; a member the
    directory has never heard of stays unknown (their registration brings everything)."""
    assert values and set(values) <= _UPDATABLE, values
    columns = list(values)
    assignments = ", ".join(f"{c} = ${i}" for i, c in enumerate(columns, start=3))
    status = await conn.execute(
        f"""UPDATE member_directory SET {assignments}, roster_version = $2
            WHERE member_id = $1 AND roster_version < $2""",
        member_id,
        version,
        *(values[c] for c in columns),
    )
    if status == "UPDATE 0":
        log.info("member directory: member-%s v%d not applied (unknown member or older event)", member_id, version)


async def handle_roster_event(conn: Connection, event: ReceivedEvent) -> None:
    env = event.envelope
    if env.type == MEMBER_REGISTERED:
        await upsert_member(conn, RegisteredMember.model_validate(env.data), env.time, env.stream_version)
    elif env.type == MEMBER_UPDATED:
        updated = UpdatedMember.model_validate(env.data)
        values: dict[str, Any] = {}
        if "name" in updated.changed and updated.name:
            values["name"] = updated.name
        if "skills" in updated.changed and updated.skills is not None:
            values["skills"] = updated.skills
        if values:  # e.g. only the phone or the languages changed: nothing casework keeps
            await update_member(conn, updated.member_id, env.stream_version, values)
    elif env.type == MEMBER_RELOCATED:
        moved = RelocatedMember.model_validate(env.data)
        await update_member(
            conn, moved.member_id, env.stream_version, {"current_city": moved.current_city, "employer": moved.employer}
        )
    elif env.type == MEMBER_DEREGISTERED:
        gone = DeregisteredMember.model_validate(env.data)
        await update_member(
            conn, gone.member_id, env.stream_version, {"deregistered_at": env.time, "deregistered_reason": gone.reason}
        )
    # other roster events are none of the directory's business


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


MEMBER_DIRECTORY = ConsumerSpec("member-directory", ["roster"], lambda uow, event: handle_roster_event(uow.conn, event))
