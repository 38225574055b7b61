"""Use case: clear a household's risk (风险消除)."""

from __future__ import annotations

import uuid

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_roster.households.domain.household import FlagChanges
from kite_roster.monitoring.adapters.policy import lines_of
from kite_roster.monitoring.application.household_access import household_at_risk


@command
async def clear_risk(
    uow: UnitOfWork, principal: Principal, household_id: uuid.UUID, visit_id: uuid.UUID, if_match: int | None = None
) -> None:
    """风险消除; the household's own 防返贫 flag is cleared in the same transaction."""
    async with uow:
        target = await household_at_risk(uow, principal, household_id, if_match)
        incomes = target.per_capita_fen_by_year()
        assert target.household.division_code is not None
        lines = await lines_of(uow.conn, target.household.division_code[:2], incomes)
        target.monitoring.clear(target.place, visit_id, incomes, lines, principal.subject)
        target.household.change_flags(FlagChanges(monitored=False), principal.subject)
        await uow.save(target.monitoring, target.household)
