"""Keeps the `seekers` read model (求职登记) from seeker-registered events: the latest one wins; and the
seeker's row of `candidates`, the table matching searches (adapters/employment_state.py)."""

from __future__ import annotations

from kite_common.db.types import Connection
from kite_common.events import EventEnvelope, EventPayload

from kite_jobs.adapters.employment_state import refresh_candidates
from kite_jobs.domain.events import SeekerRegistered


class SeekerProjection:
    name = "seekers"
    tables = ("seekers", "candidates")

    async def apply(self, conn: Connection, event: EventEnvelope, payload: EventPayload) -> None:
        if isinstance(payload, SeekerRegistered):
            await conn.execute(
                """INSERT INTO seekers (member_id, origin_division_code, desired_division_code, willing_to_move,
                       expected_wage_fen, certificates, available_from, registered_at, recorded_by, version)
                   VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)
                   ON CONFLICT (member_id) DO UPDATE SET
                       origin_division_code = EXCLUDED.origin_division_code,
                       desired_division_code = EXCLUDED.desired_division_code,
                       willing_to_move = EXCLUDED.willing_to_move,
                       expected_wage_fen = EXCLUDED.expected_wage_fen,
                       certificates = EXCLUDED.certificates,
                       available_from = EXCLUDED.available_from,
                       registered_at = EXCLUDED.registered_at,
                       recorded_by = EXCLUDED.recorded_by,
                       version = EXCLUDED.version""",
                payload.member_id,
                payload.origin_division_code,
                payload.desired_division_code,
                payload.willing_to_move,
                payload.expected_wage_fen,
                payload.certificates,
                payload.available_from,
                event.time,
                payload.recorded_by,
                event.stream_version,
            )
            await refresh_candidates(conn, [payload.member_id])
