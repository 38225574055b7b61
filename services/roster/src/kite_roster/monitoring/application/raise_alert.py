"""Use case: a signal proposes a risk alert on a household (from a consumer, in its inbox transaction)."""

from __future__ import annotations

import uuid

from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_roster.monitoring.application.household_access import household_at_risk
from kite_roster.monitoring.domain.monitoring_events import RiskSignal

SIGNAL_ACTOR = "system:risk-signals"


@command
async def raise_alert(
    uow: UnitOfWork,
    household_id: uuid.UUID,
    signal: RiskSignal,
    signal_key: str,
    year: int | None = None,
    note: str | None = None,
) -> uuid.UUID | None:
    """The new alert's id; None when the same signal raised one already or the household is monitored."""
    async with uow:
        target = await household_at_risk(uow, None, household_id)
        alert_id = target.monitoring.raise_alert(target.place, signal, signal_key, SIGNAL_ACTOR, year, note)
        await uow.save(target.monitoring)
    return alert_id


HEAD_RELATIONS = frozenset({"户主", "本人"})


@command
async def raise_alert_on_death(
    uow: UnitOfWork, household_id: uuid.UUID, member_id: uuid.UUID, relation: str | None
) -> uuid.UUID | None:
    """A member who died raises an alert when they were the household's main earner: the one designated,
    or the head when none is."""
    async with uow:
        target = await household_at_risk(uow, None, household_id)
        designated = target.monitoring.main_earner
        if designated != member_id and (designated is not None or (relation or "").strip() not in HEAD_RELATIONS):
            return None
        alert_id = target.monitoring.raise_alert(
            target.place, "main-earner-deceased", f"deceased:{member_id}", SIGNAL_ACTOR, None, "家庭主要劳动力去世"
        )
        await uow.save(target.monitoring)
    return alert_id
