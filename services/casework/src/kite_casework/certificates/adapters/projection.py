"""Keeps the `certificates` read model from certificate events."""

from __future__ import annotations

import json

from kite_common.db.types import Connection
from kite_common.events import EventEnvelope, EventPayload

from kite_casework.certificates.domain.certificate import CertificateStatus
from kite_casework.certificates.domain.events import CertificateIssued, CertificateRevoked


class CertificateProjection:
    name = "certificates"
    tables = ("certificates",)

    async def apply(self, conn: Connection, event: EventEnvelope, payload: EventPayload) -> None:
        if isinstance(payload, CertificateIssued):
            content = json.loads(payload.payload)
            await conn.execute(
                """INSERT INTO certificates (certificate_id, member_id, case_id, origin_division_code, template,
                       title, member_name, office_name, issued_by, issued_at, payload, signature, key_id,
                       status, version)
                   VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)""",
                payload.certificate_id,
                payload.member_id,
                payload.case_id,
                payload.origin_division_code,
                payload.template,
                payload.title,
                content["fields"]["member_name"],
                payload.office_name,
                payload.issued_by,
                payload.issued_at,
                payload.payload,
                payload.signature,
                payload.key_id,
                CertificateStatus.CURRENT.value,
                event.stream_version,
            )
        elif isinstance(payload, CertificateRevoked):
            await conn.execute(
                """UPDATE certificates SET status = $2, revoked_reason = $3, revoked_by = $4, revoked_at = $5,
                       version = $6
                   WHERE certificate_id = $1""",
                payload.certificate_id,
                CertificateStatus.REVOKED.value,
                payload.reason,
                payload.revoked_by,
                payload.revoked_at,
                event.stream_version,
            )
