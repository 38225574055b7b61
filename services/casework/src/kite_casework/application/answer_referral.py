"""Use case: record a department's reply to a referral (who in the department answered);
anyone working the case's place records it, late replies are kept and marked late."""

from __future__ import annotations

import uuid
from datetime import datetime

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_casework.application.case_access import case_in_jurisdiction


@command
async def answer_referral(
    uow: UnitOfWork,
    principal: Principal,
    case_id: uuid.UUID,
    referral_id: uuid.UUID,
    reply: str,
    answered_by: str,
    if_match: int | None,
    now: datetime,
) -> None:
    async with uow:
        case = await case_in_jurisdiction(uow, principal, case_id)
        case.expect_version(if_match)
        case.answer_referral(principal.subject, referral_id, reply, answered_by, now)
        await uow.save(case)
