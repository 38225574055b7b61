"""Use case: a party member joins a branch in one role of the three-way coverage (流出地/区域/行业)."""

from __future__ import annotations

import uuid
from datetime import date

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_roster.party.adapters.organisation_tree import organisation_names
from kite_roster.party.application.party_common import branch_for_write, party_record_for_write, today
from kite_roster.party.domain.party_events import MembershipRole


@command
async def join_branch(
    uow: UnitOfWork,
    principal: Principal,
    member_id: uuid.UUID,
    organisation_id: uuid.UUID,
    role: MembershipRole,
    joined_on: date,
    if_match: int | None = None,
) -> None:
    async with uow:
        party = await party_record_for_write(uow, principal, member_id, if_match)
        branch = await branch_for_write(uow.conn, principal, organisation_id)
        # Names of the member's current branches, to name the one in the way.
        names = await organisation_names(uow.conn, [m.organisation_id for m in party.memberships.values()])
        party.join(branch, role, joined_on, today(), principal.subject, names=names)
        await uow.save(party)
