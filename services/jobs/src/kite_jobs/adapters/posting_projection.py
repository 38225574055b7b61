"""Keeps the `postings` read model (with its match count) from jobs events."""

from __future__ import annotations

from kite_common.db.types import Connection
from kite_common.events import EventEnvelope, EventPayload

from kite_jobs.domain.events import JobMatched, PostingOpened


class PostingProjection:
    name = "postings"
    tables = ("postings",)

    async def apply(self, conn: Connection, event: EventEnvelope, payload: EventPayload) -> None:
        if isinstance(payload, PostingOpened):
            await conn.execute(
                """INSERT INTO postings (posting_id, employer_id, title, city, skills_required, headcount,
                       wage_min, wage_max, area_division_code, opened_at, opened_by, version)
                   VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)""",
                payload.posting_id,
                payload.employer_id,
                payload.title,
                payload.city,
                payload.skills_required,
                payload.headcount,
                payload.wage_min,
                payload.wage_max,
                payload.area_division_code,
                event.time,
                payload.opened_by,
                event.stream_version,
            )
        elif isinstance(payload, JobMatched):
            await conn.execute(
                "UPDATE postings SET matched_count = matched_count + 1, version = $2 WHERE posting_id = $1",
                payload.posting_id,
                event.stream_version,
            )
