"""Use case: dismiss a risk alert after a visit, with the reason."""

from __future__ import annotations

import uuid

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_roster.monitoring.application.household_access import household_at_risk


@command
async def dismiss_alert(
    uow: UnitOfWork,
    principal: Principal,
    household_id: uuid.UUID,
    alert_id: uuid.UUID,
    visit_id: uuid.UUID,
    reason: str,
) -> None:
    async with uow:
        target = await household_at_risk(uow, principal, household_id)
        target.monitoring.dismiss_alert(alert_id, visit_id, reason, principal.subject)
        await uow.save(target.monitoring)
