"""Use case: record a follow-up (回访) of a resolved case, by any caseworker of its
jurisdiction. 满意/基本满意 closes the case; 不满意 reopens it to its owner with a new deadline; a member
not reached counts one attempt."""

from __future__ import annotations

import uuid
from datetime import datetime

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_casework.application.case_access import case_in_jurisdiction
from kite_casework.domain.lifecycle import Satisfaction


@command
async def record_follow_up(
    uow: UnitOfWork,
    principal: Principal,
    case_id: uuid.UUID,
    reached: bool,
    satisfaction: Satisfaction | None,
    comment: str,
    if_match: int | None,
    now: datetime,
) -> None:
    async with uow:
        case = await case_in_jurisdiction(uow, principal, case_id)
        case.expect_version(if_match)
        case.record_follow_up(principal.subject, reached, satisfaction, comment, now)
        await uow.save(case)
