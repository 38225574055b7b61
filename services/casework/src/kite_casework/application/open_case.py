"""Use case: open a case (受理登记) for a member the directory knows, inside the caller's jurisdiction,
who is still on the roster."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.domain import Forbidden, RuleViolation
from kite_common.ids import new_id
from kite_common.unit_of_work import UnitOfWork

from kite_casework.application.case_access import acting_as_member, own_member_id
from kite_casework.application.employer_to_name import employer_to_name
from kite_casework.application.member_to_serve import member_to_serve
from kite_casework.application.office_to_name import office_to_name
from kite_casework.domain.case import Case, CaseRequest
from kite_casework.domain.intake import MEMBER_CHANNELS


@command
async def open_case(uow: UnitOfWork, principal: Principal, request: CaseRequest, now: datetime) -> uuid.UUID:
    """Returns the new case's id. `now` is when the SLA clock starts."""
    async with uow:
        return await open_in(uow, principal, request, now)


async def open_in(uow: UnitOfWork, principal: Principal, request: CaseRequest, now: datetime) -> uuid.UUID:
    """The opening itself, inside an entered unit of work (intake adds its de-duplication around it).
    A member opens only their own case, through the app or WeChat; staff open for a member of their
    jurisdiction, or of anywhere when the member works in it (an out-station office)."""
    if acting_as_member(principal):
        if request.member_id != own_member_id(principal):
            raise Forbidden("只能为本人提出诉求", code="not-own-case")
        if request.channel not in MEMBER_CHANNELS or request.external is not None:
            raise RuleViolation("本人提出的诉求，渠道只能是找政府App或微信", code="member-channel", field="channel")
    member = await member_to_serve(
        uow.conn,
        principal,
        request.member_id,
        "不能再为其登记新的诉求；其以往诉求仍可查看和办理",
        work_division_code=request.work_division_code,
    )
    if request.employer is not None:
        request = replace(request, employer=await employer_to_name(uow.conn, request.employer))
    if request.office_id is not None:
        await office_to_name(uow.conn, principal, request.office_id)
    case = Case.create(new_id())
    case.open(request, member.origin_division_code, principal.subject, now)
    await uow.save(case)
    return case.case_id
