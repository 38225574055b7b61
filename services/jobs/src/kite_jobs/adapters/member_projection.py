"""Jobs' own copy of roster members, kept from roster.events by a Kafka consumer.

A tolerant reader: only the fields jobs needs, unknown fields ignored, other event types skipped.
The consumer runner's inbox makes redelivery harmless; the version guard keeps an older event from
overwriting a newer one.
"""

from __future__ import annotations

import uuid

from kite_common.db.types import Connection
from kite_common.messaging.cloudevents_kafka import ReceivedEvent
from kite_common.messaging.consumer import ConsumerSpec
from pydantic import BaseModel, ConfigDict

MEMBER_REGISTERED = "kite.roster.member-registered.v1"


class RosterMember(BaseModel):
    """The part of roster's member-registered.v1 data that jobs reads."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    member_id: uuid.UUID
    name: str
    gender: str
    birth_year: int
    origin_division_code: str
    current_city: str
    employer: str | None = None
    is_party_member: bool = False
    skills: list[str] = []


async def handle_roster_event(conn: Connection, received: ReceivedEvent) -> None:
    env = received.envelope
    if env.type != MEMBER_REGISTERED:
        return
    m = RosterMember.model_validate(env.data)
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
        sorted({s.strip() for s in m.skills if s.strip()}),
        env.time,
        env.stream_version,
    )


MEMBER_PROJECTION = ConsumerSpec("member-projection", ["roster"], handle_roster_event)
