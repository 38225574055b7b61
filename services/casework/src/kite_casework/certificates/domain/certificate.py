"""The certificate aggregate: issued once from a template and signed; revoked at most once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import StrEnum
from typing import Any, ClassVar

from kite_common.domain import Aggregate, Conflict, NotFound, RuleViolation
from kite_common.events import EventPayload, NewEvent

from kite_casework.certificates.domain.events import CertificateIssued, CertificateRevoked
from kite_casework.certificates.domain.signing import KeyRing, canonical_json
from kite_casework.certificates.domain.templates import CertifiedMember, fill
from kite_casework.domain.redaction import redact_personal_numbers

CHINA = timezone(timedelta(hours=8), "CST")  # the date printed on a certificate is Beijing's
MAX_REASON_LENGTH = 500
PAYLOAD_VERSION = 1


class CertificateStatus(StrEnum):
    CURRENT = "current"  # 有效
    REVOKED = "revoked"  # 已撤销

    @property
    def label(self) -> str:
        return {"current": "有效", "revoked": "已撤销"}[self.value]


class CertificateNotFound(NotFound):
    code = "certificate-not-found"

    def __init__(self) -> None:
        super().__init__("未找到该证明")


class AlreadyIssued(RuleViolation):
    code = "certificate-already-issued"

    def __init__(self) -> None:
        super().__init__("该证明已出具")


class AlreadyRevoked(Conflict):
    code = "certificate-already-revoked"

    def __init__(self, revoked_by: str) -> None:
        super().__init__(f"该证明已由 {revoked_by} 撤销", revoked_by=revoked_by)


@dataclass(frozen=True)
class IssueRequest:
    member_id: uuid.UUID
    template: str
    office_name: str
    fields: dict[str, str]
    case_id: uuid.UUID | None = None
    office_id: uuid.UUID | None = None  # the named office issuing it: its ledger counts the certificate


def certified_content(
    certificate_id: uuid.UUID,
    filled_text: str,
    template: str,
    title: str,
    fields: dict[str, str],
    office_name: str,
    office_jurisdiction: str,
    issued_at: datetime,
) -> dict[str, Any]:
    """What the signature covers."""
    return {
        "v": PAYLOAD_VERSION,
        "certificate_id": str(certificate_id),
        "template": template,
        "title": title,
        "text": filled_text,
        "fields": fields,
        "office": {"name": office_name, "jurisdiction": office_jurisdiction},
        "issued_at": issued_at.isoformat(),
    }


@dataclass
class Certificate(Aggregate):
    stream_prefix: ClassVar[str] = "certificate"
    label: ClassVar[str] = "该证明"
    jurisdiction_attribute: ClassVar[str | None] = "origin_division_code"

    certificate_id: uuid.UUID
    status: CertificateStatus | None = None
    origin_division_code: str | None = None
    revoked_by: str | None = None

    @property
    def id(self) -> uuid.UUID:
        return self.certificate_id

    def apply(self, event: EventPayload) -> None:
        if isinstance(event, CertificateIssued):
            self.status = CertificateStatus.CURRENT
            self.origin_division_code = event.origin_division_code
        elif isinstance(event, CertificateRevoked):
            self.status = CertificateStatus.REVOKED
            self.revoked_by = event.revoked_by

    def issue(
        self,
        request: IssueRequest,
        member: CertifiedMember,
        office_jurisdiction: str,
        issued_by: str,
        keys: KeyRing,
        now: datetime,
    ) -> list[NewEvent]:
        """Fill the template (422 with field errors when it does not fit), sign the content, record it."""
        if self.status is not None:
            raise AlreadyIssued()
        filled = fill(request.template, member, request.office_name, request.fields, now.astimezone(CHINA).date())
        content = certified_content(
            self.certificate_id,
            filled.text,
            filled.template.code,
            filled.template.title,
            filled.fields,
            filled.fields["office_name"],
            office_jurisdiction,
            now,
        )
        payload = canonical_json(content)
        signature = keys.sign(payload)
        issued = CertificateIssued(
            certificate_id=self.certificate_id,
            member_id=request.member_id,
            case_id=request.case_id,
            origin_division_code=member.home_place_code,
            template=filled.template.code,
            title=filled.template.title,
            office_name=filled.fields["office_name"],
            issued_by=issued_by,
            issued_at=now,
            payload=payload,
            signature=signature.value,
            key_id=signature.key_id,
            office_id=request.office_id,
        )
        return self._record(NewEvent(issued, time=now))

    def revoke(self, reason: str, revoked_by: str, now: datetime) -> list[NewEvent]:
        if self.status is None:
            raise CertificateNotFound()
        if self.status is CertificateStatus.REVOKED:
            raise AlreadyRevoked(self.revoked_by or "")
        reason = redact_personal_numbers(reason.strip())
        if not reason:
            raise RuleViolation("请填写撤销原因", code="certificate-revocation-reason", field="reason")
        if len(reason) > MAX_REASON_LENGTH:
            raise RuleViolation(
                f"撤销原因不能超过 {MAX_REASON_LENGTH} 字", code="certificate-revocation-reason", field="reason"
            )
        revoked = CertificateRevoked(
            certificate_id=self.certificate_id, reason=reason, revoked_by=revoked_by, revoked_at=now
        )
        return self._record(NewEvent(revoked, time=now))
