"""Keeps the `employers` read model from jobs events (v1 registrations arrive upcast to v2)."""

from __future__ import annotations

import json

from kite_common.db.types import Connection
from kite_common.events import EventEnvelope, EventPayload

from kite_jobs.adapters.rights_record import link_registered_employer
from kite_jobs.domain.events import EmployerRegisteredV2, EmployerVerified


class EmployerProjection:
    name = "employers"
    tables = ("employers",)

    async def apply(self, conn: Connection, event: EventEnvelope, payload: EventPayload) -> None:
        if isinstance(payload, EmployerRegisteredV2):
            await conn.execute(
                """INSERT INTO employers (employer_id, name, unified_social_credit_code, industry,
                       hiring_division_code, area_division_code, contacts, registered_at, registered_by, version)
                   VALUES ($1,$2,$3,$4,$5,$6,$7::jsonb,$8,$9,$10)""",
                payload.employer_id,
                payload.name,
                payload.unified_social_credit_code,
                payload.industry,
                payload.hiring_division_code,
                payload.area_division_code,
                json.dumps([c.model_dump(mode="json") for c in payload.contacts], ensure_ascii=False),
                event.time,
                payload.registered_by,
                event.stream_version,
            )
            # casework cases that named this employer by its credit code before it registered here
            await link_registered_employer(conn, payload.employer_id, payload.unified_social_credit_code)
        elif isinstance(payload, EmployerVerified):
            await conn.execute(
                """UPDATE employers SET verified = true, verified_at = $2, verified_by = $3, version = $4
                   WHERE employer_id = $1""",
                payload.employer_id,
                event.time,
                payload.verified_by,
                event.stream_version,
            )
