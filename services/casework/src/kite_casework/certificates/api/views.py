"""Read-model rows as response bodies."""

from __future__ import annotations

import json

import asyncpg

from kite_casework.certificates.adapters.settings import certificate_settings
from kite_casework.certificates.api.schemas import (
    CertificateResponse,
    CertifiedFacts,
    VerificationResponse,
)
from kite_casework.certificates.application.verification import Verification
from kite_casework.certificates.domain.certificate import CertificateStatus


def certificate_response(row: asyncpg.Record) -> CertificateResponse:
    status = CertificateStatus(row["status"])
    return CertificateResponse(
        certificate_id=row["certificate_id"],
        member_id=row["member_id"],
        case_id=row["case_id"],
        origin_division_code=row["origin_division_code"],
        template=row["template"],
        title=row["title"],
        member_name=row["member_name"],
        office_name=row["office_name"],
        text=json.loads(row["payload"])["text"],
        issued_by=row["issued_by"],
        issued_at=row["issued_at"],
        key_id=row["key_id"],
        signature=row["signature"],
        payload=row["payload"],
        status=status,
        status_label=status.label,
        revoked_reason=row["revoked_reason"],
        revoked_by=row["revoked_by"],
        revoked_at=row["revoked_at"],
        verify_url=certificate_settings().verify_url(row["certificate_id"]),
        version=row["version"],
    )


def verification_response(result: Verification) -> VerificationResponse:
    row = result.certificate
    if not result.genuine or row is None:
        return VerificationResponse(genuine=False, detail=result.detail)
    content = json.loads(row["payload"])
    status = CertificateStatus(row["status"])
    detail = result.detail if status is CertificateStatus.CURRENT else f"{result.detail}；但该证明已撤销，不再有效"
    return VerificationResponse(
        genuine=True,
        detail=detail,
        status=status,
        status_label=status.label,
        revoked_at=row["revoked_at"],
        revoked_reason=row["revoked_reason"],
        certifies=CertifiedFacts(
            certificate_id=row["certificate_id"],
            template=content["template"],
            title=content["title"],
            member_name=content["fields"]["member_name"],
            office_name=content["office"]["name"],
            text=content["text"],
            issued_on=content["fields"]["issued_on"],
            issued_at=row["issued_at"],
            key_id=row["key_id"],
        ),
    )
