"""Use case: a party member leaves the branch of one role."""

from __future__ import annotations

import uuid
from datetime import date

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_roster.party.application.party_common import party_record_for_write, today
from kite_roster.party.domain.party_events import MembershipRole


@command
async def leave_branch(
    uow: UnitOfWork,
    principal: Principal,
    member_id: uuid.UUID,
    role: MembershipRole,
    left_on: date,
    reason: str | None,
    if_match: int | None = None,
) -> None:
    async with uow:
        party = await party_record_for_write(uow, principal, member_id, if_match)
        party.leave(role, left_on, reason, today(), principal.subject)
        await uow.save(party)
