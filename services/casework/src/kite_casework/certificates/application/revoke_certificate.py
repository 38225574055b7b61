"""Use case: revoke a certificate (撤销证明), with a reason, by staff of its jurisdiction. Guarded by
If-Match: a caller acting on a version someone else has changed since gets 412."""

from __future__ import annotations

import uuid
from datetime import datetime

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_casework.certificates.domain.certificate import Certificate, CertificateNotFound


@command
async def revoke_certificate(
    uow: UnitOfWork,
    principal: Principal,
    certificate_id: uuid.UUID,
    reason: str,
    if_match: int | None,
    now: datetime,
) -> None:
    async with uow:
        certificate = await uow.get(Certificate, certificate_id)
        if certificate.origin_division_code is None or not principal.covers(certificate.origin_division_code):
            raise CertificateNotFound()  # outside the jurisdiction it answers as one never issued
        certificate.expect_version(if_match)
        certificate.revoke(reason, principal.subject, now)
        await uow.save(certificate)
