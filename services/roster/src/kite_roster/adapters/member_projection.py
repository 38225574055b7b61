"""Keeps the `members` read model from roster events."""

from __future__ import annotations

from kite_common.db.types import Connection
from kite_common.events import EventEnvelope, EventPayload

from kite_roster.domain.member_events import MemberRegistered


class MemberProjection:
    name = "members"
    tables = ("members",)

    async def apply(self, conn: Connection, event: EventEnvelope, payload: EventPayload) -> None:
        if isinstance(payload, MemberRegistered):
            await conn.execute(
                """INSERT INTO members (member_id, name, gender, birth_year, origin_division_code, current_city,
                       employer, is_party_member, skills, registered_at, registered_by, version)
                   VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)""",
                payload.member_id,
                payload.name,
                payload.gender,
                payload.birth_year,
                payload.origin_division_code,
                payload.current_city,
                payload.employer,
                payload.is_party_member,
                payload.skills,
                event.time,
                payload.registered_by,
                event.stream_version,
            )
