"""Use case: register a household (户) in a village of the caller's jurisdiction."""

from __future__ import annotations

import uuid

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.domain import Forbidden
from kite_common.ids import new_id
from kite_common.unit_of_work import UnitOfWork

from kite_roster.households.domain.household import Household, HouseholdRegistration


@command
async def register_household(uow: UnitOfWork, principal: Principal, reg: HouseholdRegistration) -> uuid.UUID:
    """Returns the new household's id. What the registration says is checked before whose it is."""
    async with uow:
        household = Household.create(new_id())
        household.register(reg, registered_by=principal.subject)
        if not principal.covers(reg.division_code):
            raise Forbidden("该户所在地不在您的管辖范围内，不能登记", code="outside-jurisdiction")
        await uow.save(household)
    return household.household_id
