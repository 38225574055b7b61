"""Use case: record that a member now works in another city or for another employer."""

from __future__ import annotations

import uuid
from datetime import date

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_roster.members.application.member_writes import member_to_change
from kite_roster.members.domain.member import Relocation


@command
async def relocate_member(
    uow: UnitOfWork,
    principal: Principal,
    member_id: uuid.UUID,
    relocation: Relocation,
    today: date,
    if_match: int | None = None,
) -> None:
    async with uow:
        member = await member_to_change(uow, principal, member_id, if_match)
        member.relocate(relocation, recorded_by=principal.subject, today=today)
        await uow.save(member)
