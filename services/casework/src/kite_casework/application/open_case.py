"""Use case: open a case (受理登记) for a member the directory knows, inside the caller's jurisdiction,
who is still on the roster."""

from __future__ import annotations

import uuid
from datetime import datetime

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.domain import RuleViolation
from kite_common.ids import new_id
from kite_common.unit_of_work import UnitOfWork

from kite_casework.adapters.member_directory import find_member
from kite_casework.domain.case import Case, CaseRequest


@command
async def open_case(uow: UnitOfWork, principal: Principal, request: CaseRequest, now: datetime) -> uuid.UUID:
    """Returns the new case's id. `now` is when the SLA clock starts."""
    async with uow:
        member = await find_member(uow.conn, request.member_id)
        if member is None or not principal.covers(member.origin_division_code):
            # outside the jurisdiction a member answers exactly as one the directory does not know
            raise RuleViolation(
                "未找到该人员：该人员尚未登记，或登记信息尚未同步到诉求系统，请核对后稍后重试",
                code="member-unknown",
                errors=[{"field": "member_id", "code": "unknown", "message": "未找到该人员"}],
            )
        if member.deregistered:
            # Only now: whether someone outside the jurisdiction is deregistered is not theirs to learn.
            why = f"（{member.deregistered_label}）" if member.deregistered_label else ""
            raise RuleViolation(
                f"该人员已从名册注销{why}，不能再为其登记新的诉求；其以往诉求仍可查看和办理",
                code="member-deregistered",
                errors=[{"field": "member_id", "code": "deregistered", "message": "该人员已注销"}],
            )
        case = Case.create(new_id())
        case.open(request, member.origin_division_code, principal.subject, now)
        await uow.save(case)
    return case.case_id
