"""Use case: the owner refers a case to a department (部门转交) with a question and the department's
deadline; the owner keeps the case."""

from __future__ import annotations

import uuid
from datetime import datetime

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_casework.application.case_access import case_in_jurisdiction


@command
async def refer_case(
    uow: UnitOfWork,
    principal: Principal,
    case_id: uuid.UUID,
    referral_id: uuid.UUID,
    department: str,
    question: str,
    deadline: datetime,
    if_match: int | None,
    now: datetime,
) -> None:
    async with uow:
        case = await case_in_jurisdiction(uow, principal, case_id)
        case.expect_version(if_match)
        case.refer(principal.subject, referral_id, department, question, deadline, now)
        await uow.save(case)
