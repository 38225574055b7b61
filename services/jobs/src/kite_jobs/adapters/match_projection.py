"""Keeps the `matches` read model from job-matched events."""

from __future__ import annotations

import json

from kite_common.db.types import Connection
from kite_common.events import EventEnvelope, EventPayload

from kite_jobs.domain.events import JobMatched


class MatchProjection:
    name = "matches"
    tables = ("matches",)

    async def apply(self, conn: Connection, event: EventEnvelope, payload: EventPayload) -> None:
        if isinstance(payload, JobMatched):
            await conn.execute(
                """INSERT INTO matches (posting_id, member_id, employer_id, title, city, place_division_code,
                       matched_skills, score, priority, score_parts, member_origin_division_code, matched_at,
                       matched_by)
                   VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10::jsonb,$11,$12,$13)""",
                payload.posting_id,
                payload.member_id,
                payload.employer_id,
                payload.title,
                payload.city,
                payload.place_division_code,
                payload.matched_skills,
                payload.score,
                payload.priority,
                json.dumps([p.model_dump(mode="json") for p in payload.score_parts], ensure_ascii=False),
                payload.member_origin_division_code,
                event.time,
                payload.matched_by,
            )
