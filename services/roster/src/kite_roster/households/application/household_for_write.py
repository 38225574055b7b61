"""The step every household command but registration starts with: the household the caller may act on."""

from __future__ import annotations

import uuid

from kite_common.auth import Principal
from kite_common.unit_of_work import UnitOfWork

from kite_roster.households.domain.household import Household, HouseholdNotRegistered


async def household_for_write(
    uow: UnitOfWork, principal: Principal, household_id: uuid.UUID, if_match: int | None = None
) -> Household:
    """The household as its stream leaves it: 404 when it was never registered or lies outside the
    caller's jurisdiction (the two answer alike, so ids cannot be probed), 412 when `if_match` is not
    its version."""
    household = await uow.get(Household, household_id)
    if household.division_code is None or not principal.covers(household.division_code):
        raise HouseholdNotRegistered()  # outside the jurisdiction it answers as one never registered
    household.expect_version(if_match)
    return household
