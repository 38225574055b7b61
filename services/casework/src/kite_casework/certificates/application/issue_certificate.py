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

from kite_casework.adapters.member_directory import find_member
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
        member = await find_member(uow.conn, request.member_id)
        # A member outside the caller's jurisdiction answers as one the directory does not know.
        if member is None or not principal.covers(member.origin_division_code):
            raise RuleViolation(
                "未找到该人员：该人员尚未登记，或登记信息尚未同步到诉求系统，请核对后稍后重试",
                code="member-unknown",
                errors=[{"field": "member_id", "code": "unknown", "message": "未找到该人员"}],
            )
        if member.deregistered:
            why = f"（{member.deregistered_label}）" if member.deregistered_label else ""
            raise RuleViolation(
                f"该人员已从名册注销{why}，不能再为其出具证明",
                code="member-deregistered",
                errors=[{"field": "member_id", "code": "deregistered", "message": "该人员已注销"}],
            )
        if request.case_id is not None and await case_member(uow.conn, request.case_id) != request.member_id:
            raise RuleViolation(
                "未找到该人员的这件诉求",
                code="certificate-case-unknown",
                errors=[{"field": "case_id", "code": "unknown", "message": "未找到该人员的这件诉求"}],
            )
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
