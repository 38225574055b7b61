"""Use case: transfer a party member's membership of one role to another branch (one event: left and joined)."""

from __future__ import annotations

import uuid
from datetime import date

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_roster.party.application.party_common import branch_for_write, party_record_for_write, today
from kite_roster.party.domain.party_events import MembershipRole


@command
async def transfer_branch(
    uow: UnitOfWork,
    principal: Principal,
    member_id: uuid.UUID,
    role: MembershipRole,
    organisation_id: uuid.UUID,
    transferred_on: date,
    if_match: int | None = None,
) -> None:
    async with uow:
        party = await party_record_for_write(uow, principal, member_id, if_match)
        branch = await branch_for_write(uow.conn, principal, organisation_id)
        party.transfer(role, branch, transferred_on, today(), principal.subject)
        await uow.save(party)
