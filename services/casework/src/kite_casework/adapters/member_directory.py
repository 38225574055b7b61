"""Casework's member directory: a projection of roster.events kept by a Kafka consumer.

Casework never reads the roster's tables; it keeps the few facts it needs (who the member is and
where home is, for jurisdiction) from `kite.roster.member-registered.v1`. The consumer's inbox
already makes delivery exactly-once; the upsert is idempotent anyway, and never lets an older
event overwrite a newer one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from kite_common.db.types import Connection
from kite_common.messaging.cloudevents_kafka import ReceivedEvent
from kite_common.messaging.consumer import ConsumerSpec
from pydantic import BaseModel, ConfigDict, Field

MEMBER_REGISTERED = "kite.roster.member-registered.v1"


class RegisteredMember(BaseModel):
    """The fields casework reads from roster's member-registered payload (a tolerant reader: fields
    it does not know are ignored, so roster can add optional ones)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    member_id: uuid.UUID
    name: str
    gender: str
    birth_year: int
    origin_division_code: str = Field(pattern=r"^[0-9]{12}$")
    current_city: str
    employer: str | None = None
    is_party_member: bool = False
    skills: list[str] = []
    registered_by: str


@dataclass(frozen=True)
class DirectoryEntry:
    member_id: uuid.UUID
    name: str
    origin_division_code: str


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


async def handle_roster_event(conn: Connection, event: ReceivedEvent) -> None:
    env = event.envelope
    if env.type != MEMBER_REGISTERED:
        return  # other roster events are none of the directory's business
    await upsert_member(conn, RegisteredMember.model_validate(env.data), env.time, env.stream_version)


async def find_member(conn: Connection, member_id: uuid.UUID) -> DirectoryEntry | None:
    row = await conn.fetchrow(
        "SELECT member_id, name, origin_division_code FROM member_directory WHERE member_id = $1", member_id
    )
    if row is None:
        return None
    return DirectoryEntry(row["member_id"], row["name"], row["origin_division_code"])


MEMBER_DIRECTORY = ConsumerSpec("member-directory", ["roster"], handle_roster_event)
