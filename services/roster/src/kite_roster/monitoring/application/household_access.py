"""The step every monitoring command on a household starts with: the household the caller may act on,
its monitoring stream, and how the ledger counts it (village and people)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from kite_common.auth import Principal
from kite_common.unit_of_work import UnitOfWork

from kite_roster.households.domain.household import Household, HouseholdNotRegistered
from kite_roster.monitoring.domain.monitored_household import MonitoredHousehold, Place


@dataclass
class HouseholdAtRisk:
    household: Household
    monitoring: MonitoredHousehold

    @property
    def place(self) -> Place:
        h = self.household
        assert h.division_code is not None
        latest = max(h.incomes) if h.incomes else None
        persons = h.incomes[latest].household_size if latest is not None else max(len(h.members), 1)
        return Place(h.division_code, persons)

    def per_capita_fen_by_year(self) -> dict[int, int]:
        return {y: int(r.per_capita_income * 100) for y, r in self.household.incomes.items()}


async def household_at_risk(
    uow: UnitOfWork, principal: Principal | None, household_id: uuid.UUID, if_match: int | None = None
) -> HouseholdAtRisk:
    """404 when the household was never registered or lies outside the caller's jurisdiction (alike);
    412 when `if_match` is not the monitoring stream's version. No principal: a signal of the system."""
    household = await uow.get(Household, household_id)
    if household.division_code is None or (principal is not None and not principal.covers(household.division_code)):
        raise HouseholdNotRegistered()
    monitoring = await uow.get(MonitoredHousehold, household_id)
    monitoring.expect_version(if_match)
    return HouseholdAtRisk(household, monitoring)
