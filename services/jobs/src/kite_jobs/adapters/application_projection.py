"""Keeps the `applications` read model, and postings' filled count, from jobs events."""

from __future__ import annotations

from kite_common.db.types import Connection
from kite_common.events import EventEnvelope, EventPayload

from kite_jobs.domain.events import ApplicationDeclined, ApplicationHired, ApplicationSubmitted


class ApplicationProjection:
    name = "applications"
    tables = ("applications",)

    async def apply(self, conn: Connection, event: EventEnvelope, payload: EventPayload) -> None:
        if isinstance(payload, ApplicationSubmitted):
            await conn.execute(
                """INSERT INTO applications (posting_id, member_id, employer_id, member_origin_division_code, status,
                       from_match, submitted_at, submitted_by)
                   VALUES ($1,$2,$3,$4,'submitted',$5,$6,$7)""",
                payload.posting_id,
                payload.member_id,
                payload.employer_id,
                payload.member_origin_division_code,
                payload.from_match,
                event.time,
                payload.submitted_by,
            )
        elif isinstance(payload, ApplicationDeclined):
            await conn.execute(
                """UPDATE applications SET status = 'declined', decided_at = $3, decline_reason = $4
                   WHERE posting_id = $1 AND member_id = $2""",
                payload.posting_id,
                payload.member_id,
                event.time,
                payload.reason,
            )
        elif isinstance(payload, ApplicationHired):
            await conn.execute(
                """UPDATE applications SET status = 'hired', decided_at = $3, placement_id = $4
                   WHERE posting_id = $1 AND member_id = $2""",
                payload.posting_id,
                payload.member_id,
                event.time,
                payload.placement_id,
            )
        if isinstance(payload, ApplicationSubmitted | ApplicationDeclined | ApplicationHired):
            filled = payload.filled_count if isinstance(payload, ApplicationHired) else None
            await conn.execute(
                """UPDATE postings SET version = $2, filled_count = coalesce($3, filled_count)
                   WHERE posting_id = $1""",
                payload.posting_id,
                event.stream_version,
                filled,
            )
