"""Use case: change a household's flags (建档立卡, 易地搬迁 with its site, 防返贫监测 with its category)."""

from __future__ import annotations

import uuid

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_roster.households.application.household_for_write import household_for_write
from kite_roster.households.domain.household import FlagChanges


@command
async def change_household_flags(
    uow: UnitOfWork, principal: Principal, household_id: uuid.UUID, changes: FlagChanges, if_match: int | None = None
) -> None:
    """A change that leaves the flags as they are stores nothing."""
    async with uow:
        household = await household_for_write(uow, principal, household_id, if_match)
        household.change_flags(changes, changed_by=principal.subject)
        await uow.save(household)
