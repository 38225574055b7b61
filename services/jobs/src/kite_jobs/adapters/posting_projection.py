"""Keeps the `postings` read model (status, match count) from jobs events (v1 openings arrive upcast)."""

from __future__ import annotations

from kite_common.db.types import Connection
from kite_common.events import EventEnvelope, EventPayload

from kite_jobs.domain.events import JobMatched, PostingClosed, PostingOpenedV2


class PostingProjection:
    name = "postings"
    tables = ("postings",)

    async def apply(self, conn: Connection, event: EventEnvelope, payload: EventPayload) -> None:
        if isinstance(payload, PostingOpenedV2):
            await conn.execute(
                """INSERT INTO postings (posting_id, employer_id, title, trades, skills_required, headcount,
                       wage_min_fen, wage_max_fen, place_division_code, place_label, housing, meals, age_min,
                       age_max, certificates_required, opens_on, closes_on, area_division_code, opened_at,
                       opened_by, version)
                   VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21)""",
                payload.posting_id,
                payload.employer_id,
                payload.title,
                payload.trades,
                payload.skills_required,
                payload.headcount,
                payload.wage_min_fen,
                payload.wage_max_fen,
                payload.place_division_code,
                payload.place_label,
                payload.housing,
                payload.meals,
                payload.age_min,
                payload.age_max,
                payload.certificates_required,
                payload.opens_on,
                payload.closes_on,
                payload.area_division_code,
                event.time,
                payload.opened_by,
                event.stream_version,
            )
        elif isinstance(payload, PostingClosed):
            await conn.execute(
                """UPDATE postings SET status = 'closed', closed_at = $2, close_reason = $3, version = $4
                   WHERE posting_id = $1""",
                payload.posting_id,
                event.time,
                payload.reason,
                event.stream_version,
            )
        elif isinstance(payload, JobMatched):
            await conn.execute(
                "UPDATE postings SET matched_count = matched_count + 1, version = $2 WHERE posting_id = $1",
                payload.posting_id,
                event.stream_version,
            )
