"""Use case: open a case (受理登记) for a member the directory knows, inside the caller's jurisdiction,
who is still on the roster."""

from __future__ import annotations

import uuid
from datetime import datetime

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.ids import new_id
from kite_common.unit_of_work import UnitOfWork

from kite_casework.application.member_to_serve import member_to_serve
from kite_casework.domain.case import Case, CaseRequest


@command
async def open_case(uow: UnitOfWork, principal: Principal, request: CaseRequest, now: datetime) -> uuid.UUID:
    """Returns the new case's id. `now` is when the SLA clock starts."""
    async with uow:
        member = await member_to_serve(
            uow.conn, principal, request.member_id, "不能再为其登记新的诉求；其以往诉求仍可查看和办理"
        )
        case = Case.create(new_id())
        case.open(request, member.origin_division_code, principal.subject, now)
        await uow.save(case)
    return case.case_id
