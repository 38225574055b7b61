"""Keeps the `courses` and `enrolments` read models from jobs events, and the ledger's training completions."""

from __future__ import annotations

from kite_common.db.types import Connection
from kite_common.events import EventEnvelope, EventPayload

from kite_jobs.adapters import ledger_counts
from kite_jobs.adapters.employment_state import refresh_candidates
from kite_jobs.adapters.ledger_counts import counted
from kite_jobs.domain.events import CourseEnrolled, CourseOpened, TrainingCompleted


class CourseProjection:
    name = "courses"
    tables = ("courses", "enrolments")

    async def apply(self, conn: Connection, event: EventEnvelope, payload: EventPayload) -> None:
        if isinstance(payload, CourseOpened):
            await conn.execute(
                """INSERT INTO courses (course_id, title, trade, provider, place_division_code, starts_on, ends_on,
                       capacity, subsidy_fen, certificate, area_division_code, opened_at, opened_by, version)
                   VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)""",
                payload.course_id,
                payload.title,
                payload.trade,
                payload.provider,
                payload.place_division_code,
                payload.starts_on,
                payload.ends_on,
                payload.capacity,
                payload.subsidy_fen,
                payload.certificate,
                payload.area_division_code,
                event.time,
                payload.opened_by,
                event.stream_version,
            )
        elif isinstance(payload, CourseEnrolled):
            await conn.execute(
                """INSERT INTO enrolments (course_id, member_id, member_origin_division_code, enrolled_at)
                   VALUES ($1,$2,$3,$4)""",
                payload.course_id,
                payload.member_id,
                payload.member_origin_division_code,
                event.time,
            )
            await conn.execute(
                "UPDATE courses SET enrolled_count = enrolled_count + 1, version = $2 WHERE course_id = $1",
                payload.course_id,
                event.stream_version,
            )
        elif isinstance(payload, TrainingCompleted):
            async with counted(conn, ledger_counts.completion(conn, payload.course_id, payload.member_id)):
                await conn.execute(
                    """UPDATE enrolments SET completed_on = $3, skill = $4, certificate = $5
                       WHERE course_id = $1 AND member_id = $2""",
                    payload.course_id,
                    payload.member_id,
                    payload.completed_on,
                    payload.skill,
                    payload.certificate,
                )
            if payload.certificate is not None:  # matching sees the certificate the course gave
                await refresh_candidates(conn, [payload.member_id])
            # counted, not added to: the same completion applied again changes nothing
            await conn.execute(
                """UPDATE courses SET version = $2, completed_count =
                       (SELECT count(*) FROM enrolments WHERE course_id = $1 AND completed_on IS NOT NULL)
                   WHERE course_id = $1""",
                payload.course_id,
                event.stream_version,
            )
