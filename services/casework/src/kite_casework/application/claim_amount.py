"""Use case: record or revise the amount claimed (诉求金额, e.g. wages owed), in fen."""

from __future__ import annotations

import uuid
from datetime import datetime

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_casework.application.case_access import case_in_jurisdiction


@command
async def claim_amount(
    uow: UnitOfWork,
    principal: Principal,
    case_id: uuid.UUID,
    amount_fen: int,
    if_match: int | None,
    now: datetime,
) -> None:
    async with uow:
        case = await case_in_jurisdiction(uow, principal, case_id)
        case.expect_version(if_match)
        case.claim_amount(principal.subject, amount_fen, now)
        await uow.save(case)
