"""Use case: the owner closes a resolved case whose member could not be reached (结案：无法联系), after
KITE_CASEWORK_FOLLOW_UP_ATTEMPTS (default 3) follow-ups recorded as not reached. A case is closed in no
other way: a satisfied follow-up closes it by itself, and closing without follow-up is refused."""

from __future__ import annotations

import uuid
from datetime import datetime

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_casework.application.case_access import case_in_jurisdiction
from kite_casework.settings import CaseworkSettings


@command
async def close_case(
    uow: UnitOfWork, principal: Principal, case_id: uuid.UUID, if_match: int | None, now: datetime
) -> None:
    required = CaseworkSettings().follow_up_attempts
    async with uow:
        case = await case_in_jurisdiction(uow, principal, case_id)
        case.expect_version(if_match)
        case.close_unreachable(principal.subject, required, now)
        await uow.save(case)
