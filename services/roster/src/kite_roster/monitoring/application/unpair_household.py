"""Use case: end a pairing (the history stays)."""

from __future__ import annotations

import uuid
from datetime import date

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_roster.households.domain.household import HouseholdNotRegistered
from kite_roster.monitoring.application.cadre_access import cadre_in_reach


@command
async def unpair_household(
    uow: UnitOfWork, principal: Principal, cadre_id: uuid.UUID, household_id: uuid.UUID, reason: str, today: date
) -> None:
    async with uow:
        cadre = await cadre_in_reach(uow, principal, cadre_id)
        division_code = cadre.households.get(household_id)
        if division_code is not None and not principal.covers(division_code):
            raise HouseholdNotRegistered()
        cadre.unpair(household_id, reason, today, principal.subject)
        await uow.save(cadre)
