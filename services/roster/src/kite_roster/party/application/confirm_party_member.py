"""Use case: confirm a probationary party member (预备党员转正) once the year of probation has run."""

from __future__ import annotations

import uuid
from datetime import date

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_roster.party.application.party_common import party_record_for_write, today


@command
async def confirm_party_member(
    uow: UnitOfWork, principal: Principal, member_id: uuid.UUID, confirmed_on: date, if_match: int | None
) -> None:
    async with uow:
        party = await party_record_for_write(uow, principal, member_id, if_match)
        party.confirm(confirmed_on, today(), principal.subject)
        await uow.save(party)
