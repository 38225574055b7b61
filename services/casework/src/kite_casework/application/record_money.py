"""Use case: the owner records money for the member, in fen: a recovery (追回), relief paid
(救助金) or funds raised (筹集资金), with its date and a note."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_casework.application.case_access import case_in_jurisdiction
from kite_casework.domain.money import MoneyKind


@command
async def record_money(
    uow: UnitOfWork,
    principal: Principal,
    case_id: uuid.UUID,
    entry_id: uuid.UUID,
    kind: MoneyKind,
    amount_fen: int,
    on: date,
    note: str,
    if_match: int | None,
    now: datetime,
) -> None:
    async with uow:
        case = await case_in_jurisdiction(uow, principal, case_id)
        case.expect_version(if_match)
        case.record_money(principal.subject, entry_id, kind, amount_fen, on, note, now)
        await uow.save(case)
