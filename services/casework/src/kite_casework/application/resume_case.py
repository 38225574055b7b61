"""Use case: the owner resumes a suspended case (恢复办理); its deadline moves later by the time
it was suspended."""

from __future__ import annotations

import uuid
from datetime import datetime

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_casework.application.case_access import case_in_jurisdiction


@command
async def resume_case(
    uow: UnitOfWork, principal: Principal, case_id: uuid.UUID, if_match: int | None, now: datetime
) -> None:
    async with uow:
        case = await case_in_jurisdiction(uow, principal, case_id)
        case.expect_version(if_match)
        case.resume(principal.subject, now)
        await uow.save(case)
