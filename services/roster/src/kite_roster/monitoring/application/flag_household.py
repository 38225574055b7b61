"""Use case: flag a household in one of the three categories (纳入监测, or 风险再标注 after a clearance)."""

from __future__ import annotations

import uuid

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_roster.households.domain.household import FlagChanges
from kite_roster.monitoring.application.household_access import household_at_risk
from kite_roster.monitoring.domain.monitoring_events import MonitoringCategory


@command
async def flag_household(
    uow: UnitOfWork,
    principal: Principal,
    household_id: uuid.UUID,
    category: MonitoringCategory,
    reason: str,
    visit_id: uuid.UUID,
    alert_id: uuid.UUID | None,
    if_match: int | None = None,
) -> None:
    """纳入监测 (or 风险再标注); the household's own 防返贫 flag follows, in the same transaction."""
    async with uow:
        target = await household_at_risk(uow, principal, household_id, if_match)
        target.monitoring.flag(target.place, category, reason, visit_id, alert_id, principal.subject)
        target.household.change_flags(FlagChanges(monitored=True, monitoring_category=category), principal.subject)
        await uow.save(target.monitoring, target.household)
