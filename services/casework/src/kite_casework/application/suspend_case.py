"""Use case: the owner suspends a case (暂停办理) with a reason — waiting for the member, for a
court; its SLA clock stops until it is resumed."""

from __future__ import annotations

import uuid
from datetime import datetime

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_casework.application.case_access import case_in_jurisdiction


@command
async def suspend_case(
    uow: UnitOfWork, principal: Principal, case_id: uuid.UUID, reason: str, if_match: int | None, now: datetime
) -> None:
    async with uow:
        case = await case_in_jurisdiction(uow, principal, case_id)
        case.expect_version(if_match)
        case.suspend(principal.subject, reason, now)
        await uow.save(case)
