"""Use case: the owner corrects (更正) or reverses (冲销, to 0) a money entry of the case, with a reason:
a new entry naming the old one, never an edit in place."""

from __future__ import annotations

import uuid
from datetime import datetime

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_casework.application.case_access import case_in_jurisdiction


@command
async def correct_money(
    uow: UnitOfWork,
    principal: Principal,
    case_id: uuid.UUID,
    correction_id: uuid.UUID,
    entry_id: uuid.UUID,
    amount_fen: int,
    reason: str,
    if_match: int | None,
    now: datetime,
) -> None:
    async with uow:
        case = await case_in_jurisdiction(uow, principal, case_id)
        case.expect_version(if_match)
        case.correct_money(principal.subject, correction_id, entry_id, amount_fen, reason, now)
        await uow.save(case)
