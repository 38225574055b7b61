"""Keeps the `cases` read model from casework events."""

from __future__ import annotations

from kite_common.db.types import Connection
from kite_common.events import EventEnvelope, EventPayload

from kite_casework.domain.case import CaseStatus
from kite_casework.domain.events import CaseAccepted, CaseOpened


class CaseProjection:
    name = "cases"
    tables = ("cases",)

    async def apply(self, conn: Connection, event: EventEnvelope, payload: EventPayload) -> None:
        if isinstance(payload, CaseOpened):
            await conn.execute(
                """INSERT INTO cases (case_id, member_id, origin_division_code, category, urgency, description,
                       sla_tier, opened_at, deadline, opened_by, status, version)
                   VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)""",
                payload.case_id,
                payload.member_id,
                payload.origin_division_code,
                payload.category.value,
                payload.urgency.value,
                payload.description,
                payload.sla_tier.value,
                event.time,
                payload.deadline,
                payload.opened_by,
                CaseStatus.OPEN.value,
                event.stream_version,
            )
        elif isinstance(payload, CaseAccepted):
            await conn.execute(
                """UPDATE cases SET status = $2, accepted_by = $3, accepted_at = $4, version = $5
                   WHERE case_id = $1""",
                payload.case_id,
                CaseStatus.ACCEPTED.value,
                payload.accepted_by,
                payload.accepted_at,
                event.stream_version,
            )
