"""Use case: record a visit to a household (入户走访), the verification every decision needs."""

from __future__ import annotations

import uuid
from datetime import date

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_roster.monitoring.application.household_access import household_at_risk


@command
async def record_visit(
    uow: UnitOfWork, principal: Principal, household_id: uuid.UUID, visited_on: date, note: str | None, today: date
) -> uuid.UUID:
    async with uow:
        target = await household_at_risk(uow, principal, household_id)
        visit_id = target.monitoring.record_visit(visited_on, today, note, principal.subject)
        await uow.save(target.monitoring)
    return visit_id
