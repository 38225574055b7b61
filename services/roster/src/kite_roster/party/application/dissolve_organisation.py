"""Use case: dissolve (撤销) an organisation that has no live children and no members left."""

from __future__ import annotations

import uuid
from datetime import date

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_roster.party.adapters.branch_rolls import member_count
from kite_roster.party.adapters.organisation_tree import live_children
from kite_roster.party.application.organisation_common import locked_row, organisation_for_write
from kite_roster.party.application.party_common import today


@command
async def dissolve_organisation(
    uow: UnitOfWork,
    principal: Principal,
    organisation_id: uuid.UUID,
    dissolved_on: date,
    reason: str,
    if_match: int | None,
) -> None:
    async with uow:
        await locked_row(uow.conn, principal, organisation_id)  # nothing is hung under it meanwhile
        org = await organisation_for_write(uow, principal, organisation_id, if_match)
        children = await live_children(uow.conn, organisation_id)
        members = await member_count(uow.conn, organisation_id)
        org.dissolve(dissolved_on, reason, children, members, today(), principal.subject)
        await uow.save(org)
