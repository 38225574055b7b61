"""Use case: issue a certificate (出具证明) for a member the directory knows, inside the caller's
jurisdiction, from a template, signed with the current key; optionally for one of the member's cases."""

from __future__ import annotations

import uuid
from datetime import datetime

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.domain import RuleViolation
from kite_common.ids import new_id
from kite_common.unit_of_work import UnitOfWork

from kite_casework.application.member_to_serve import member_to_serve
from kite_casework.application.office_to_name import office_to_name
from kite_casework.certificates.adapters.lookups import case_member, is_party_member
from kite_casework.certificates.domain.certificate import Certificate, IssueRequest
from kite_casework.certificates.domain.signing import KeyRing
from kite_casework.certificates.domain.templates import CertifiedMember


@command
async def issue_certificate(
    uow: UnitOfWork, principal: Principal, request: IssueRequest, keys: KeyRing, now: datetime
) -> uuid.UUID:
    """Returns the new certificate's id."""
    async with uow:
        member = await member_to_serve(uow.conn, principal, request.member_id, "不能再为其出具证明")
        if request.case_id is not None and await case_member(uow.conn, request.case_id) != request.member_id:
            raise RuleViolation(
                "未找到该人员的这件诉求",
                code="certificate-case-unknown",
                errors=[{"field": "case_id", "code": "unknown", "message": "未找到该人员的这件诉求"}],
            )
        if request.office_id is not None:
            await office_to_name(uow.conn, principal, request.office_id)
        certified = CertifiedMember(
            str(member.member_id),
            member.name,
            member.origin_division_code,
            await is_party_member(uow.conn, member.member_id),
        )
        certificate = Certificate.create(new_id())
        certificate.issue(request, certified, principal.jurisdiction, principal.subject, keys, now)
        await uow.save(certificate)
    return certificate.certificate_id
