"""Keeps the job-fair read models (fairs, fair_postings, fair_attendees, fair_offers) from jobs events."""

from __future__ import annotations

from kite_common.db.types import Connection
from kite_common.events import EventEnvelope, EventPayload

from kite_jobs.domain.events import FairCheckedIn, FairEmployerJoined, FairOfferMade, FairOrganised, FairRegistered


class FairProjection:
    name = "fairs"
    tables = ("fairs", "fair_postings", "fair_attendees", "fair_offers")

    async def apply(self, conn: Connection, event: EventEnvelope, payload: EventPayload) -> None:
        if isinstance(payload, FairOrganised):
            await conn.execute(
                """INSERT INTO fairs (fair_id, title, organisers, held_on, online, place_division_code,
                       area_division_code, organised_at, version)
                   VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)""",
                payload.fair_id,
                payload.title,
                payload.organisers,
                payload.held_on,
                payload.online,
                payload.place_division_code,
                payload.area_division_code,
                event.time,
                event.stream_version,
            )
            return
        if isinstance(payload, FairEmployerJoined):
            await conn.executemany(
                "INSERT INTO fair_postings (fair_id, posting_id, employer_id) VALUES ($1,$2,$3)",
                [(payload.fair_id, p, payload.employer_id) for p in payload.posting_ids],
            )
        elif isinstance(payload, FairRegistered):
            await conn.execute(
                """INSERT INTO fair_attendees (fair_id, member_id, member_origin_division_code, invited, registered_at)
                   VALUES ($1,$2,$3,$4,$5)""",
                payload.fair_id,
                payload.member_id,
                payload.member_origin_division_code,
                payload.invited,
                event.time,
            )
        elif isinstance(payload, FairCheckedIn):
            await conn.execute(
                "UPDATE fair_attendees SET checked_in_at = $3 WHERE fair_id = $1 AND member_id = $2",
                payload.fair_id,
                payload.member_id,
                event.time,
            )
        elif isinstance(payload, FairOfferMade):
            await conn.execute(
                """INSERT INTO fair_offers (fair_id, member_id, posting_id, employer_id, offered_at)
                   VALUES ($1,$2,$3,$4,$5)""",
                payload.fair_id,
                payload.member_id,
                payload.posting_id,
                payload.employer_id,
                event.time,
            )
        else:
            return
        await conn.execute("UPDATE fairs SET version = $2 WHERE fair_id = $1", payload.fair_id, event.stream_version)
