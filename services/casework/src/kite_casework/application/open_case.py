"""Use case: open a case (受理登记) for a member the directory knows, inside the caller's jurisdiction,
who is still on the roster."""

from __future__ import annotations

import uuid
from datetime import datetime

from kite_common.auth import Principal
from kite_common.clock import utcnow
from kite_common.http.problems import Forbidden, Unprocessable
from kite_common.ids import new_id
from kite_common.runtime import ServiceRuntime

from kite_casework.adapters.member_directory import find_member
from kite_casework.domain.case import Case, CaseRequest, CaseRuleViolation, stream_id


async def open_case(
    runtime: ServiceRuntime, principal: Principal, request: CaseRequest, now: datetime | None = None
) -> uuid.UUID:
    """Returns the new case's id. `now` is when the SLA clock starts (the current time by default)."""
    case = Case(new_id())
    async with runtime.unit_of_work() as uow:
        member = await find_member(uow.conn, request.member_id)
        if member is None:
            raise Unprocessable(
                "未找到该人员：该人员尚未登记，或登记信息尚未同步到诉求系统，请核对后稍后重试",
                code="member-unknown",
                errors=[{"field": "member_id", "code": "unknown", "message": "未找到该人员"}],
            )
        if not principal.covers(member.origin_division_code):
            raise Forbidden("该人员不在您的管辖范围内，不能为其登记诉求", code="outside-jurisdiction")
        if member.deregistered:
            # Only now: whether someone outside the jurisdiction is deregistered is not theirs to learn.
            why = f"（{member.deregistered_label}）" if member.deregistered_label else ""
            raise Unprocessable(
                f"该人员已从名册注销{why}，不能再为其登记新的诉求；其以往诉求仍可查看和办理",
                code="member-deregistered",
                errors=[{"field": "member_id", "code": "deregistered", "message": "该人员已注销"}],
            )
        try:
            events = case.open(request, member.origin_division_code, principal.subject, now or utcnow())
        except CaseRuleViolation as exc:
            raise Unprocessable(str(exc), code=exc.code) from exc
        await uow.append(stream_id(case.case_id), 0, events)
    return case.case_id
