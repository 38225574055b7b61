"""Use case: the owner takes an unanswered department referral back, saying why."""

from __future__ import annotations

import uuid
from datetime import datetime

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_casework.application.case_access import case_in_jurisdiction


@command
async def withdraw_referral(
    uow: UnitOfWork,
    principal: Principal,
    case_id: uuid.UUID,
    referral_id: uuid.UUID,
    reason: str,
    if_match: int | None,
    now: datetime,
) -> None:
    async with uow:
        case = await case_in_jurisdiction(uow, principal, case_id)
        case.expect_version(if_match)
        case.withdraw_referral(principal.subject, referral_id, reason, now)
        await uow.save(case)
