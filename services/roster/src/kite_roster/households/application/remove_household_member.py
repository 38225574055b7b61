"""Use case: a member leaves a household (and belongs to none)."""

from __future__ import annotations

import uuid

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_roster.households.application.household_for_write import household_for_write


@command
async def remove_household_member(
    uow: UnitOfWork, principal: Principal, household_id: uuid.UUID, member_id: uuid.UUID, if_match: int | None = None
) -> None:
    async with uow:
        household = await household_for_write(uow, principal, household_id, if_match)
        household.remove_member(member_id, removed_by=principal.subject)
        await uow.save(household)
