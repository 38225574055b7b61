"""Keeps the `placements` and `follow_ups` read models from jobs events, the ledger's monthly counts
(each change counted as the difference it makes, adapters/ledger_counts.py) and, when a placement
starts or ends, who is at work in the member's households (adapters/employment_state.py)."""

from __future__ import annotations

import uuid

from kite_common.db.types import Connection
from kite_common.events import EventEnvelope, EventPayload

from kite_jobs.adapters import ledger_counts
from kite_jobs.adapters.employment_state import members_changed
from kite_jobs.adapters.ledger_counts import counted
from kite_jobs.domain.events import FollowUpDue, FollowUpRecorded, MemberPlaced, PlacementEnded
from kite_jobs.domain.placement import FOLLOW_UP_MONTHS, due_on


class PlacementProjection:
    name = "placements"
    tables = ("placements", "follow_ups", "ledger_months")

    async def apply(self, conn: Connection, event: EventEnvelope, payload: EventPayload) -> None:
        if isinstance(payload, MemberPlaced):
            async with counted(conn, ledger_counts.placement(conn, payload.placement_id)):
                await conn.execute(
                    """INSERT INTO placements (placement_id, posting_id, employer_id, member_id,
                           member_origin_division_code, area_division_code, place_division_code, title, start_date,
                           wage_fen, placed_at, placed_by, next_follow_up_on, version)
                       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)
                       ON CONFLICT (placement_id) DO NOTHING""",
                    payload.placement_id,
                    payload.posting_id,
                    payload.employer_id,
                    payload.member_id,
                    payload.member_origin_division_code,
                    payload.area_division_code,
                    payload.place_division_code,
                    payload.title,
                    payload.start_date,
                    payload.wage_fen,
                    event.time,
                    payload.placed_by,
                    due_on(payload.start_date, FOLLOW_UP_MONTHS[0]),
                    event.stream_version,
                )
            await members_changed(conn, [payload.member_id])
        elif isinstance(payload, FollowUpDue):
            await conn.execute(
                """INSERT INTO follow_ups (placement_id, month, due_on, member_id, member_origin_division_code, status)
                   VALUES ($1,$2,$3,$4,$5,'due')""",
                payload.placement_id,
                payload.month,
                payload.due_on,
                payload.member_id,
                payload.member_origin_division_code,
            )
            await self._advance(conn, payload.placement_id, event.stream_version)
        elif isinstance(payload, FollowUpRecorded):
            async with counted(conn, ledger_counts.follow_up(conn, payload.placement_id, payload.month)):
                await conn.execute(
                    """INSERT INTO follow_ups (placement_id, month, due_on, member_id, member_origin_division_code,
                           status, followed_up_on, still_employed, wage_paid_on_time, problems, recorded_by,
                           problem_kind)
                       SELECT p.placement_id, $2, $3, p.member_id, p.member_origin_division_code, 'recorded',
                              $4, $5, $6, $7, $8, $9
                       FROM placements p WHERE p.placement_id = $1
                       ON CONFLICT (placement_id, month) DO UPDATE SET status = 'recorded',
                           followed_up_on = EXCLUDED.followed_up_on, still_employed = EXCLUDED.still_employed,
                           wage_paid_on_time = EXCLUDED.wage_paid_on_time, problems = EXCLUDED.problems,
                           recorded_by = EXCLUDED.recorded_by, problem_kind = EXCLUDED.problem_kind""",
                    payload.placement_id,
                    payload.month,
                    await self._due_on(conn, payload.placement_id, payload.month),
                    payload.followed_up_on,
                    payload.still_employed,
                    payload.wage_paid_on_time,
                    payload.problems,
                    payload.recorded_by,
                    payload.problem_kind,
                )
            await self._advance(conn, payload.placement_id, event.stream_version)
        elif isinstance(payload, PlacementEnded):
            async with counted(conn, ledger_counts.placement(conn, payload.placement_id)):
                await conn.execute(
                    """UPDATE placements SET left_on = $2, leave_reason = $3, next_follow_up_on = NULL, version = $4
                       WHERE placement_id = $1""",
                    payload.placement_id,
                    payload.left_on,
                    payload.reason,
                    event.stream_version,
                )
            member = await conn.fetchval(
                "SELECT member_id FROM placements WHERE placement_id = $1", payload.placement_id
            )
            if member is not None:
                await members_changed(conn, [member])

    @staticmethod
    async def _due_on(conn: Connection, placement_id: uuid.UUID, month: int) -> object:
        start = await conn.fetchval("SELECT start_date FROM placements WHERE placement_id = $1", placement_id)
        return due_on(start, month)

    @staticmethod
    async def _advance(conn: Connection, placement_id: uuid.UUID, version: int) -> None:
        """Move `next_follow_up_on` to the first follow-up neither due nor recorded."""
        row = await conn.fetchrow(
            """SELECT p.start_date, p.left_on, coalesce(array_agg(f.month) FILTER (WHERE f.month IS NOT NULL), '{}')
                      AS months
               FROM placements p LEFT JOIN follow_ups f USING (placement_id)
               WHERE p.placement_id = $1 GROUP BY p.placement_id""",
            placement_id,
        )
        if row is None:
            return
        pending = [m for m in FOLLOW_UP_MONTHS if m not in row["months"]]
        next_on = due_on(row["start_date"], pending[0]) if pending and row["left_on"] is None else None
        await conn.execute(
            "UPDATE placements SET next_follow_up_on = $2, version = $3 WHERE placement_id = $1",
            placement_id,
            next_on,
            version,
        )
