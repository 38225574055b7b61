"""The monitoring ledger's arithmetic, shared by its projection and by a recount from the event store:
what one event moves, given the household's state before it.

Flows (newly identified, re-flagged, cleared, measures) are counted in the month of the date the event
carries; stocks (unresolved, paired, unresolved-and-paired, cadres) are kept as monthly deltas, so a
stock at the end of a period is the sum of every month up to it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from kite_common.events import EventPayload

from kite_roster.monitoring.domain.monitoring_events import (
    AssistanceMeasureRecorded,
    CadreRegistered,
    HouseholdPaired,
    HouseholdRiskCleared,
    HouseholdRiskFlagged,
    HouseholdUnpaired,
)

IDENTIFIED = "identified"  # first time 纳入监测
REFLAGGED = "reflagged"  # 风险再标注
CLEARED = "cleared"  # 风险消除
UNRESOLVED = "unresolved"  # stock: 未消除风险
PAIRED = "paired"  # stock: households paired with a cadre
UNRESOLVED_PAIRED = "unresolved-paired"  # stock: unresolved households that have a cadre
CADRES = "cadres"  # stock: cadres by their organisation's place
MEASURE = "measure:"  # + kind: measures recorded and their money
LEDGER_EVENTS = (
    HouseholdRiskFlagged,
    HouseholdRiskCleared,
    AssistanceMeasureRecorded,
    HouseholdPaired,
    HouseholdUnpaired,
    CadreRegistered,
)


@dataclass(frozen=True)
class LedgerState:
    """One household as the ledger sees it."""

    unresolved: bool = False
    persons: int = 0  # as counted when flagged
    paired: bool = False


@dataclass(frozen=True)
class Delta:
    division_code: str
    month: date
    metric: str
    households: int
    persons: int = 0
    amount_fen: int = 0


def month_of(day: date) -> date:
    return day.replace(day=1)


def moved(payload: EventPayload, before: LedgerState) -> tuple[LedgerState, list[Delta]]:
    """The household's state after `payload` and the counter deltas it makes (a cadre's registration
    concerns no household: its state is returned unchanged)."""
    if isinstance(payload, HouseholdRiskFlagged):
        m, code, n = month_of(payload.flagged_on), payload.division_code, payload.persons
        deltas = [
            Delta(code, m, REFLAGGED if payload.reflag else IDENTIFIED, 1, n),
            Delta(code, m, UNRESOLVED, 1, n),
        ]
        if before.paired:
            deltas.append(Delta(code, m, UNRESOLVED_PAIRED, 1, n))
        return replace(before, unresolved=True, persons=n), deltas
    if isinstance(payload, HouseholdRiskCleared):
        m, code = month_of(payload.cleared_on), payload.division_code
        deltas = [Delta(code, m, CLEARED, 1, payload.persons), Delta(code, m, UNRESOLVED, -1, -before.persons)]
        if before.paired:
            deltas.append(Delta(code, m, UNRESOLVED_PAIRED, -1, -before.persons))
        return replace(before, unresolved=False, persons=0), deltas
    if isinstance(payload, AssistanceMeasureRecorded):
        m = month_of(payload.started_on)
        return before, [Delta(payload.division_code, m, MEASURE + payload.kind, 1, 0, payload.amount_fen)]
    if isinstance(payload, HouseholdPaired | HouseholdUnpaired):
        sign = 1 if isinstance(payload, HouseholdPaired) else -1
        day = payload.paired_on if isinstance(payload, HouseholdPaired) else payload.unpaired_on
        m, code = month_of(day), payload.division_code
        deltas = [Delta(code, m, PAIRED, sign)]
        if before.unresolved:
            deltas.append(Delta(code, m, UNRESOLVED_PAIRED, sign, sign * before.persons))
        return replace(before, paired=sign > 0), deltas
    if isinstance(payload, CadreRegistered):
        return before, []  # counted by `cadre_delta`
    return before, []


def cadre_delta(payload: CadreRegistered, registered_on: date) -> Delta:
    return Delta(payload.organisation_code, month_of(registered_on), CADRES, 1)


def rate(unresolved: int, ever_identified: int) -> float | None:
    """未消除风险率: unresolved households over every household ever identified, in percent to 2 places."""
    if ever_identified == 0:
        return None
    return round(100 * unresolved / ever_identified, 2)
