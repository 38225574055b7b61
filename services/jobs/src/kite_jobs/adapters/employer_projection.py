"""Keeps the `employers` read model from jobs events."""

from __future__ import annotations

from kite_common.db.types import Connection
from kite_common.events import EventEnvelope, EventPayload

from kite_jobs.domain.events import EmployerRegistered


class EmployerProjection:
    name = "employers"
    tables = ("employers",)

    async def apply(self, conn: Connection, event: EventEnvelope, payload: EventPayload) -> None:
        if isinstance(payload, EmployerRegistered):
            await conn.execute(
                """INSERT INTO employers (employer_id, name, unified_social_credit_code, city, area_division_code,
                       contact_name, registered_at, registered_by, version)
                   VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)""",
                payload.employer_id,
                payload.name,
                payload.unified_social_credit_code,
                payload.city,
                payload.area_division_code,
                payload.contact_name,
                event.time,
                payload.registered_by,
                event.stream_version,
            )
