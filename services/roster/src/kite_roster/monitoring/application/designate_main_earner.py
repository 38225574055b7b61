"""Use case: designate the household's main earner (whose death raises an alert)."""

from __future__ import annotations

import uuid

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_roster.monitoring.application.household_access import household_at_risk
from kite_roster.monitoring.domain.rules import MonitoringRuleViolation


@command
async def designate_main_earner(
    uow: UnitOfWork, principal: Principal, household_id: uuid.UUID, member_id: uuid.UUID
) -> None:
    async with uow:
        target = await household_at_risk(uow, principal, household_id)
        if member_id not in target.household.members:
            raise MonitoringRuleViolation("该人员不是本户成员", "member_id", code="not-a-household-member")
        target.monitoring.designate_main_earner(member_id, principal.subject)
        await uow.save(target.monitoring)
