"""Use case: change a party member's status (停止党籍, 转出, 去世 …); leaving us ends every branch membership."""

from __future__ import annotations

import uuid
from datetime import date

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_roster.party.application.party_common import party_record_for_write, today
from kite_roster.party.domain.party_events import PartyStatus


@command
async def change_party_status(
    uow: UnitOfWork,
    principal: Principal,
    member_id: uuid.UUID,
    status: PartyStatus,
    changed_on: date,
    reason: str | None,
    if_match: int | None,
) -> None:
    async with uow:
        party = await party_record_for_write(uow, principal, member_id, if_match)
        party.change_status(status, changed_on, reason, today(), principal.subject)
        await uow.save(party)
