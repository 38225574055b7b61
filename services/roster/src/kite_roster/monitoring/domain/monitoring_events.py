"""防返贫动态监测 events on roster.events: monitoring lines, risk alerts, visits, flagging, measures,
clearance, cadres and pairing. Money is integer fen; places are division codes; no ID or phone
number ever appears here (free text is checked for them before it is decided).

Every flow event carries the date it counts on (`flagged_on`, `cleared_on`, …) and the household's
village and people, so the monitoring ledger is kept from these events alone."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from kite_common.events import EventPayload

from kite_roster.households.domain.household_events import MonitoringCategory
from kite_roster.shared.event_registry import registry

# 收入低于监测线 / 收入骤减 / 大病 / 工伤 / 主要劳动力去世 / 失业
RiskSignal = Literal[
    "income-below-line", "income-drop", "serious-illness", "work-injury", "main-earner-deceased", "job-loss"
]
# 产业 / 就业 / 教育 / 医疗 / 住房 / 兜底保障 / 消费
MeasureKind = Literal["industry", "employment", "education", "medical", "housing", "social-security", "consumption"]
# 科级及以上领导干部 / 一般干部 / 社会力量（村党组织书记、企业、能人）/ 县级专班
CadreRank = Literal["leading", "ordinary", "social-force", "task-force"]

__all__ = ["MonitoringCategory"]


@registry.register
class MonitoringLineSet(EventPayload):
    """A province's 防返贫监测 line for a year, with the policy around it."""

    event_name = "monitoring-line-set"

    year: int
    province_code: str  # 2 digits
    line_fen: int  # 年人均纯收入监测线，分
    drop_percent: int  # an income falling by more than this share of the year before raises an alert
    clear_years: int  # 风险消除: this many latest reported years above their line
    set_by: str


@registry.register
class RiskAlertRaised(EventPayload):
    """A signal proposes that a household is at risk; a cadre verifies or dismisses it."""

    event_name = "risk-alert-raised"

    household_id: uuid.UUID
    alert_id: uuid.UUID
    division_code: str
    signal: RiskSignal
    signal_key: str  # the same signal delivered twice has the same key and raises nothing the second time
    year: int | None = None
    note: str | None = None
    raised_by: str


@registry.register
class HouseholdVisited(EventPayload):
    event_name = "household-visited"

    household_id: uuid.UUID
    visit_id: uuid.UUID
    visited_on: date
    note: str | None = None
    visited_by: str


@registry.register
class RiskAlertDismissed(EventPayload):
    event_name = "risk-alert-dismissed"

    household_id: uuid.UUID
    alert_id: uuid.UUID
    visit_id: uuid.UUID
    reason: str
    dismissed_by: str


@registry.register
class MainEarnerDesignated(EventPayload):
    """The member whose death raises a main-earner-deceased alert (without one, the household head)."""

    event_name = "main-earner-designated"

    household_id: uuid.UUID
    member_id: uuid.UUID
    designated_by: str


@registry.register
class HouseholdRiskFlagged(EventPayload):
    """纳入监测 (识别) in one of the three categories, or 风险再标注 (`reflag`) after a clearance."""

    event_name = "household-risk-flagged"

    household_id: uuid.UUID
    division_code: str
    persons: int
    category: MonitoringCategory
    reason: str
    visit_id: uuid.UUID
    alert_id: uuid.UUID | None = None
    reflag: bool = False
    flagged_on: date
    flagged_by: str


@registry.register
class HouseholdRiskCleared(EventPayload):
    """风险消除: income above the line for the policy period, measures in place, a verification visit."""

    event_name = "household-risk-cleared"

    household_id: uuid.UUID
    division_code: str
    persons: int
    visit_id: uuid.UUID
    income_years: list[int]
    cleared_on: date
    cleared_by: str


@registry.register
class AssistanceMeasureRecorded(EventPayload):
    event_name = "assistance-measure-recorded"

    household_id: uuid.UUID
    division_code: str
    measure_id: uuid.UUID
    kind: MeasureKind
    giver: str  # who gives it: a department, a company, a cadre
    amount_fen: int
    started_on: date
    ended_on: date | None = None
    recorded_by: str


@registry.register
class CadreRegistered(EventPayload):
    event_name = "cadre-registered"

    cadre_id: uuid.UUID
    name: str
    rank: CadreRank
    organisation: str  # 单位名称
    organisation_code: str  # the organisation's place, a division-code prefix (2–12 digits)
    registered_by: str


@registry.register
class HouseholdPaired(EventPayload):
    """结对帮扶: one cadre, one household; `rule` names the pairing rule it was checked against."""

    event_name = "household-paired"

    cadre_id: uuid.UUID
    household_id: uuid.UUID
    division_code: str
    per_capita_fen: int | None = None
    rule: str | None = None
    paired_on: date
    paired_by: str


@registry.register
class HouseholdUnpaired(EventPayload):
    event_name = "household-unpaired"

    cadre_id: uuid.UUID
    household_id: uuid.UUID
    division_code: str
    reason: str
    unpaired_on: date
    unpaired_by: str
