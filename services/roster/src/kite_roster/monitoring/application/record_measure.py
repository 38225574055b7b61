"""Use case: record an assistance measure (帮扶措施) for a household."""

from __future__ import annotations

import uuid
from datetime import date

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_roster.monitoring.application.household_access import household_at_risk
from kite_roster.monitoring.domain.monitoring_events import MeasureKind


@command
async def record_measure(
    uow: UnitOfWork,
    principal: Principal,
    household_id: uuid.UUID,
    kind: MeasureKind,
    giver: str,
    amount_fen: int,
    started_on: date,
    ended_on: date | None,
) -> uuid.UUID:
    async with uow:
        target = await household_at_risk(uow, principal, household_id)
        measure_id = target.monitoring.record_measure(
            target.place, kind, giver, amount_fen, started_on, ended_on, principal.subject
        )
        await uow.save(target.monitoring)
    return measure_id
