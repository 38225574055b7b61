"""Use cases of a cadre on a household at risk: a visit, flagging (with or without an alert), dismissing
an alert, an assistance measure, clearing the risk, the main earner."""

from __future__ import annotations

import uuid
from datetime import date

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_roster.households.domain.household import FlagChanges
from kite_roster.monitoring.adapters.policy import lines_of
from kite_roster.monitoring.application.household_access import household_at_risk
from kite_roster.monitoring.domain.monitoring_events import MeasureKind, MonitoringCategory
from kite_roster.monitoring.domain.rules import MonitoringRuleViolation


@command
async def record_visit(
    uow: UnitOfWork, principal: Principal, household_id: uuid.UUID, visited_on: date, note: str | None, today: date
) -> uuid.UUID:
    async with uow:
        target = await household_at_risk(uow, principal, household_id)
        visit_id = target.monitoring.record_visit(visited_on, today, note, principal.subject)
        await uow.save(target.monitoring)
    return visit_id


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
