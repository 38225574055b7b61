"""Use case: record a month's party dues (one payment a month; a correction replaces it)."""

from __future__ import annotations

import uuid
from datetime import date

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_roster.party.application.party_common import party_record_for_write, today


@command
async def pay_dues(
    uow: UnitOfWork,
    principal: Principal,
    member_id: uuid.UUID,
    month: str,
    amount_fen: int,
    paid_on: date,
    correction: bool,
    note: str | None,
    if_match: int | None = None,
) -> int:
    """Returns the party record's version after the payment (a correction that changes nothing
    stores nothing)."""
    async with uow:
        party = await party_record_for_write(uow, principal, member_id, if_match)
        party.pay_dues(month, amount_fen, paid_on, today(), principal.subject, correction, note)
        await uow.save(party)
    return party.version
