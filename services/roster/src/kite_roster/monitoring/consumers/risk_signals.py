"""Early warning (早发现): signals that raise risk alerts on households.

- roster's household-income-reported: per-capita income below the year's monitoring line of the
  household's province, or fallen by more than the line's `drop_percent` from the year before;
- roster's member-deregistered (deceased) of the household's main earner;
- casework's case-opened of a member in a medical (serious illness) or work-injury case;
- jobs' placement-ended of the household's last working member (see job_loss).

Each signal has a key (the household and year of an income, the member who died, the case): the same
signal delivered twice finds its key on the household's monitoring stream and raises nothing, on top
of the inbox that skips a redelivered event. The alert is written in the inbox transaction, so an
acknowledged signal is never lost. A household or member the roster does not know is skipped."""

from __future__ import annotations

import logging
import uuid
from decimal import Decimal

from kite_common.messaging.cloudevents_kafka import ReceivedEvent
from kite_common.messaging.consumer import ConsumerSpec
from kite_common.unit_of_work import UnitOfWork
from pydantic import BaseModel, ConfigDict

from kite_roster.households.domain.household import HouseholdNotRegistered, per_capita_income
from kite_roster.monitoring.adapters.policy import lines_of
from kite_roster.monitoring.application.raise_alert import raise_alert, raise_alert_on_death
from kite_roster.monitoring.consumers import job_loss
from kite_roster.monitoring.domain.monitoring_events import RiskSignal
from kite_roster.monitoring.domain.rules import yuan_text

log = logging.getLogger(__name__)

INCOME_REPORTED = "kite.roster.household-income-reported.v1"
MEMBER_DEREGISTERED = "kite.roster.member-deregistered.v1"
CASE_OPENED = "kite.casework.case-opened.v1"
CASE_SIGNALS: dict[str, RiskSignal] = {"medical": "serious-illness", "work_injury": "work-injury"}


class _Tolerant(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class IncomeReported(_Tolerant):
    household_id: uuid.UUID
    year: int
    total_income: Decimal
    household_size: int


class Deregistered(_Tolerant):
    member_id: uuid.UUID
    reason: str


class OpenedCase(_Tolerant):
    case_id: uuid.UUID
    member_id: uuid.UUID
    category: str


async def handle(uow: UnitOfWork, event: ReceivedEvent) -> None:
    try:
        await _handle(uow, event)
    except HouseholdNotRegistered:  # a household the roster does not keep: not a broken message
        log.info("%s %s: household not on the roster, no alert", event.envelope.type, event.envelope.id)


async def _handle(uow: UnitOfWork, event: ReceivedEvent) -> None:
    env = event.envelope
    if env.type == INCOME_REPORTED:
        await _income(uow, IncomeReported.model_validate(env.data))
    elif env.type == MEMBER_DEREGISTERED:
        dereg = Deregistered.model_validate(env.data)
        if dereg.reason == "deceased":
            await _death(uow, dereg.member_id)
    elif env.type == job_loss.MEMBER_PLACED:
        await job_loss.member_placed(uow, env.data)
    elif env.type == job_loss.PLACEMENT_ENDED:
        await job_loss.placement_ended(uow, env.data)
    elif env.type == CASE_OPENED:
        case = OpenedCase.model_validate(env.data)
        signal = CASE_SIGNALS.get(case.category)
        if signal is not None:
            household_id = await uow.conn.fetchval(
                "SELECT household_id FROM household_members WHERE member_id = $1", case.member_id
            )
            if household_id is None:
                log.info("case-%s: member-%s belongs to no household, no alert", case.case_id, case.member_id)
                return
            await raise_alert(uow, household_id, signal, f"case:{case.case_id}", note="诉求类别：" + case.category)


async def _income(uow: UnitOfWork, report: IncomeReported) -> None:
    division_code = await uow.conn.fetchval(
        "SELECT division_code FROM households WHERE household_id = $1", report.household_id
    )
    if division_code is None:
        return
    lines = await lines_of(uow.conn, division_code[:2], [report.year])
    line = lines.get(report.year)
    if line is None:
        log.info(
            "household-%s: no monitoring line for %s in %s, no check",
            report.household_id,
            report.year,
            division_code[:2],
        )
        return
    fen = int(per_capita_income(report.total_income, report.household_size) * 100)
    if fen < line.line_fen:
        note = f"{report.year}年人均纯收入{yuan_text(fen)}元，低于监测线{yuan_text(line.line_fen)}元"
        key = f"income-below-line:{report.household_id}:{report.year}"
        await raise_alert(uow, report.household_id, "income-below-line", key, report.year, note)
        return
    before = await uow.conn.fetchval(
        "SELECT per_capita_income FROM household_incomes WHERE household_id = $1 AND year = $2",
        report.household_id,
        report.year - 1,
    )
    if before is None or before <= 0:
        return
    before_fen = int(before * 100)
    if (before_fen - fen) * 100 > before_fen * line.drop_percent:
        note = (
            f"{report.year}年人均纯收入{yuan_text(fen)}元，较上年{yuan_text(before_fen)}元下降超过{line.drop_percent}%"
        )
        key = f"income-drop:{report.household_id}:{report.year}"
        await raise_alert(uow, report.household_id, "income-drop", key, report.year, note)


async def _death(uow: UnitOfWork, member_id: uuid.UUID) -> None:
    row = await uow.conn.fetchrow(
        "SELECT household_id, relation FROM household_members WHERE member_id = $1", member_id
    )
    if row is None:
        return
    await raise_alert_on_death(uow, row["household_id"], member_id, row["relation"])


RISK_SIGNALS = ConsumerSpec("risk-signals", ["roster", "casework", "jobs"], handle)
