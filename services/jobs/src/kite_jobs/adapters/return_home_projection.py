"""Keeps the ventures and recall read models from jobs events."""

from __future__ import annotations

from kite_common.db.types import Connection
from kite_common.events import EventEnvelope, EventPayload

from kite_jobs.domain.events import (
    RecallCampaignOpened,
    RecallOutcomeRecorded,
    VentureJobsReported,
    VentureRegistered,
    VentureSupported,
)


class ReturnHomeProjection:
    name = "return-home"
    tables = ("ventures", "venture_support", "recall_campaigns", "recall_outcomes")

    async def apply(self, conn: Connection, event: EventEnvelope, payload: EventPayload) -> None:
        if isinstance(payload, VentureRegistered):
            await conn.execute(
                """INSERT INTO ventures (venture_id, member_id, name, industry, place_division_code, started_on,
                       investment_fen, jobs_created, registered_at, version)
                   VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)""",
                payload.venture_id,
                payload.member_id,
                payload.name,
                payload.industry,
                payload.place_division_code,
                payload.started_on,
                payload.investment_fen,
                payload.jobs_created,
                event.time,
                event.stream_version,
            )
        elif isinstance(payload, VentureSupported):
            await conn.execute(
                """INSERT INTO venture_support (venture_id, seq, kind, amount_fen, given_on, note)
                   VALUES ($1,$2,$3,$4,$5,$6)""",
                payload.venture_id,
                event.stream_version,
                payload.kind,
                payload.amount_fen,
                payload.given_on,
                payload.note,
            )
            await conn.execute(
                """UPDATE ventures SET support_fen = support_fen + $2, support_count = support_count + 1, version = $3
                   WHERE venture_id = $1""",
                payload.venture_id,
                payload.amount_fen,
                event.stream_version,
            )
        elif isinstance(payload, VentureJobsReported):
            await conn.execute(
                "UPDATE ventures SET jobs_created = $2, investment_fen = $3, version = $4 WHERE venture_id = $1",
                payload.venture_id,
                payload.jobs_created,
                payload.investment_fen,
                event.stream_version,
            )
        elif isinstance(payload, RecallCampaignOpened):
            await conn.execute(
                """INSERT INTO recall_campaigns (campaign_id, title, skills_wanted, area_division_code, opened_at,
                       version)
                   VALUES ($1,$2,$3,$4,$5,$6)""",
                payload.campaign_id,
                payload.title,
                payload.skills_wanted,
                payload.area_division_code,
                event.time,
                event.stream_version,
            )
        elif isinstance(payload, RecallOutcomeRecorded):
            await conn.execute(
                """INSERT INTO recall_outcomes (campaign_id, member_id, member_origin_division_code, outcome,
                       recorded_at)
                   VALUES ($1,$2,$3,$4,$5)
                   ON CONFLICT (campaign_id, member_id) DO UPDATE SET outcome = EXCLUDED.outcome,
                       recorded_at = EXCLUDED.recorded_at""",
                payload.campaign_id,
                payload.member_id,
                payload.member_origin_division_code,
                payload.outcome,
                event.time,
            )
            await conn.execute(
                "UPDATE recall_campaigns SET version = $2 WHERE campaign_id = $1",
                payload.campaign_id,
                event.stream_version,
            )
