"""Use case: resolve a case (办结): its owner says how it ended and what was done; the SLA
clock stops and the case waits for its follow-up (回访)."""

from __future__ import annotations

import uuid
from datetime import datetime

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_casework.application.case_access import case_in_jurisdiction
from kite_casework.domain.lifecycle import Outcome


@command
async def resolve_case(
    uow: UnitOfWork,
    principal: Principal,
    case_id: uuid.UUID,
    outcome: Outcome,
    summary: str,
    if_match: int | None,
    now: datetime,
) -> None:
    async with uow:
        case = await case_in_jurisdiction(uow, principal, case_id)
        case.expect_version(if_match)
        case.resolve(principal.subject, outcome, summary, now)
        await uow.save(case)
