"""Jobs' own copy of roster members, kept from roster.events by a Kafka consumer.

A tolerant reader: only the fields jobs needs, unknown fields ignored, other event types skipped.
It follows a member's registration, edits (name, skills), moves (city, employer) and
deregistration, after which the member is no longer matched to postings. The consumer runner's
inbox makes redelivery harmless and a member's events arrive in order (one key); the version guard
still keeps an older event from overwriting a newer one.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from kite_common.db.types import Connection
from kite_common.messaging.cloudevents_kafka import ReceivedEvent
from kite_common.messaging.consumer import ConsumerSpec
from pydantic import BaseModel, ConfigDict

log = logging.getLogger(__name__)

MEMBER_REGISTERED = "kite.roster.member-registered.v1"
MEMBER_UPDATED = "kite.roster.member-updated.v1"
MEMBER_RELOCATED = "kite.roster.member-relocated.v1"
MEMBER_DEREGISTERED = "kite.roster.member-deregistered.v1"


class _RosterEvent(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    member_id: uuid.UUID


class RosterMember(_RosterEvent):
    """The part of roster's member-registered.v1 data that jobs reads."""

    name: str
    gender: str
    birth_year: int
    origin_division_code: str
    current_city: str
    employer: str | None = None
    is_party_member: bool = False
    skills: list[str] = []


class MemberUpdated(_RosterEvent):
    """`changed` names the fields the edit changed; only those carry a new value."""

    changed: list[str] = []
    name: str | None = None
    skills: list[str] | None = None


class MemberRelocated(_RosterEvent):
    current_city: str
    employer: str | None = None


def normalise_skills(skills: Iterable[str]) -> list[str]:
    return sorted({s.strip() for s in skills if s.strip()})


async def _register(conn: Connection, m: RosterMember, registered_at: datetime, version: int) -> None:
    await conn.execute(
        """INSERT INTO members (member_id, name, gender, birth_year, origin_division_code, current_city,
               employer, is_party_member, skills, registered_at, version)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)
           ON CONFLICT (member_id) DO UPDATE SET
               name = excluded.name, gender = excluded.gender, birth_year = excluded.birth_year,
               origin_division_code = excluded.origin_division_code, current_city = excluded.current_city,
               employer = excluded.employer, is_party_member = excluded.is_party_member,
               skills = excluded.skills, registered_at = excluded.registered_at, version = excluded.version
           WHERE members.version <= excluded.version""",
        m.member_id,
        m.name,
        m.gender,
        m.birth_year,
        m.origin_division_code,
        m.current_city.strip(),
        m.employer,
        m.is_party_member,
        normalise_skills(m.skills),
        registered_at,
        version,
    )


# The only columns a later member event may set (names are interpolated into SQL: never from input).
_UPDATABLE = frozenset({"name", "skills", "current_city", "employer", "deregistered_at"})


async def _update(conn: Connection, member_id: uuid.UUID, version: int, values: dict[str, Any]) -> None:
    """Sets `values` if `version` is newer than the row's; an unknown member stays unknown."""
    assert values and set(values) <= _UPDATABLE, values
    columns = list(values)
    assignments = ", ".join(f"{c} = ${i}" for i, c in enumerate(columns, start=3))
    status = await conn.execute(
        f"UPDATE members SET {assignments}, version = $2 WHERE member_id = $1 AND version < $2",
        member_id,
        version,
        *(values[c] for c in columns),
    )
    if status == "UPDATE 0":
        log.info("jobs members: member-%s v%d not applied (unknown member or older event)", member_id, version)


async def handle_roster_event(conn: Connection, received: ReceivedEvent) -> None:
    env = received.envelope
    if env.type == MEMBER_REGISTERED:
        await _register(conn, RosterMember.model_validate(env.data), env.time, env.stream_version)
    elif env.type == MEMBER_UPDATED:
        updated = MemberUpdated.model_validate(env.data)
        values: dict[str, Any] = {}
        if "name" in updated.changed and updated.name:
            values["name"] = updated.name
        if "skills" in updated.changed and updated.skills is not None:
            values["skills"] = normalise_skills(updated.skills)
        if values:  # e.g. only the phone changed: nothing jobs keeps
            await _update(conn, updated.member_id, env.stream_version, values)
    elif env.type == MEMBER_RELOCATED:
        moved = MemberRelocated.model_validate(env.data)
        values = {"current_city": moved.current_city.strip(), "employer": moved.employer}
        await _update(conn, moved.member_id, env.stream_version, values)
    elif env.type == MEMBER_DEREGISTERED:
        member_id = _RosterEvent.model_validate(env.data).member_id
        await _update(conn, member_id, env.stream_version, {"deregistered_at": env.time})


MEMBER_PROJECTION = ConsumerSpec(
    "member-projection", ["roster"], lambda uow, event: handle_roster_event(uow.conn, event)
)
