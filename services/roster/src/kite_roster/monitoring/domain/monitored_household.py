"""The household monitoring aggregate (防返贫监测户): alerts proposed by signals, visits, the flag in one
of the three categories, assistance measures and clearance (风险消除), re-flagging (风险再标注).
Pure decisions, no I/O: the commands hand in the household's place, people, incomes and lines."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import ClassVar, Literal

from kite_common.domain import Aggregate, Conflict
from kite_common.events import EventPayload

from kite_roster.monitoring.domain.monitoring_events import (
    AssistanceMeasureRecorded,
    HouseholdRiskCleared,
    HouseholdRiskFlagged,
    HouseholdVisited,
    MainEarnerDesignated,
    MeasureKind,
    MonitoringCategory,
    RiskAlertDismissed,
    RiskAlertRaised,
    RiskSignal,
)
from kite_roster.monitoring.domain.rules import (
    AlertNotFound,
    MonitoringLine,
    MonitoringRuleViolation,
    VisitNotFound,
    free_text,
    yuan_text,
)

AlertStatus = Literal["open", "verified", "dismissed"]
MAX_AMOUNT_FEN = 10_000_000_000  # 1亿元


@dataclass(frozen=True)
class Place:
    """Where the household lives and how many people it has, as the ledger counts it."""

    division_code: str
    persons: int


@dataclass
class MonitoredHousehold(Aggregate):
    stream_prefix: ClassVar[str] = "monitoring"
    label: ClassVar[str] = "该户监测信息"

    household_id: uuid.UUID
    alerts: dict[uuid.UUID, AlertStatus] = field(default_factory=dict)
    signal_keys: set[str] = field(default_factory=set)
    visits: dict[uuid.UUID, date] = field(default_factory=dict)
    monitored: bool = False
    ever_flagged: bool = False
    category: MonitoringCategory | None = None
    flagged_on: date | None = None
    measures_since_flag: int = 0
    main_earner: uuid.UUID | None = None

    @property
    def id(self) -> uuid.UUID:
        return self.household_id

    def apply(self, event: EventPayload) -> None:
        if isinstance(event, RiskAlertRaised):
            self.alerts[event.alert_id] = "open"
            self.signal_keys.add(event.signal_key)
        elif isinstance(event, HouseholdVisited):
            self.visits[event.visit_id] = event.visited_on
        elif isinstance(event, RiskAlertDismissed):
            self.alerts[event.alert_id] = "dismissed"
        elif isinstance(event, HouseholdRiskFlagged):
            if event.alert_id is not None:
                self.alerts[event.alert_id] = "verified"
            self.monitored, self.ever_flagged = True, True
            self.category, self.flagged_on, self.measures_since_flag = event.category, event.flagged_on, 0
        elif isinstance(event, HouseholdRiskCleared):
            self.monitored, self.category = False, None
        elif isinstance(event, AssistanceMeasureRecorded):
            self.measures_since_flag += 1
        elif isinstance(event, MainEarnerDesignated):
            self.main_earner = event.member_id

    # -- alerts -----------------------------------------------------------------------------------

    def raise_alert(
        self, place: Place, signal: RiskSignal, signal_key: str, raised_by: str, year: int | None, note: str | None
    ) -> uuid.UUID | None:
        """The alert's id, or None when this signal raised one already (a redelivery) or the household
        is already monitored (the cadre paired with it is at work: nothing to propose)."""
        if signal_key in self.signal_keys or self.monitored:
            return None
        alert_id = uuid.uuid4()
        self._record(
            RiskAlertRaised(
                household_id=self.household_id,
                alert_id=alert_id,
                division_code=place.division_code,
                signal=signal,
                signal_key=signal_key,
                year=year,
                note=note,
                raised_by=raised_by,
            )
        )
        return alert_id

    def record_visit(self, visited_on: date, today: date, note: str | None, visited_by: str) -> uuid.UUID:
        if visited_on > today:
            raise MonitoringRuleViolation("走访日期不能晚于今天", "visited_on", code="future-date")
        visit_id = uuid.uuid4()
        self._record(
            HouseholdVisited(
                household_id=self.household_id,
                visit_id=visit_id,
                visited_on=visited_on,
                note=free_text(note, "note", "走访情况"),
                visited_by=visited_by,
            )
        )
        return visit_id

    def _open_alert(self, alert_id: uuid.UUID) -> None:
        status = self.alerts.get(alert_id)
        if status is None:
            raise AlertNotFound()
        if status != "open":
            label = "核实纳入监测" if status == "verified" else "排除"
            raise Conflict(f"该预警已{label}，不能再次处理", code="alert-closed")

    def _visit(self, visit_id: uuid.UUID) -> date:
        visited_on = self.visits.get(visit_id)
        if visited_on is None:
            raise VisitNotFound()
        return visited_on

    def dismiss_alert(self, alert_id: uuid.UUID, visit_id: uuid.UUID, reason: str, by: str) -> None:
        self._open_alert(alert_id)
        self._visit(visit_id)
        text = free_text(reason, "reason", "排除理由", required=True)
        assert text is not None
        self._record(
            RiskAlertDismissed(
                household_id=self.household_id, alert_id=alert_id, visit_id=visit_id, reason=text, dismissed_by=by
            )
        )

    def designate_main_earner(self, member_id: uuid.UUID, by: str) -> None:
        if self.main_earner != member_id:
            self._record(MainEarnerDesignated(household_id=self.household_id, member_id=member_id, designated_by=by))

    # -- flag, measures, clearance ------------------------------------------------------------------

    def flag(
        self,
        place: Place,
        category: MonitoringCategory,
        reason: str,
        visit_id: uuid.UUID,
        alert_id: uuid.UUID | None,
        by: str,
    ) -> None:
        """纳入监测 after a verification visit (on the visit's date); after a clearance it is 风险再标注."""
        if self.monitored:
            raise Conflict("该户已纳入防返贫监测，无需重复标注", code="already-monitored")
        if alert_id is not None:
            self._open_alert(alert_id)
        visited_on = self._visit(visit_id)
        text = free_text(reason, "reason", "纳入监测理由", required=True)
        assert text is not None
        self._record(
            HouseholdRiskFlagged(
                household_id=self.household_id,
                division_code=place.division_code,
                persons=place.persons,
                category=category,
                reason=text,
                visit_id=visit_id,
                alert_id=alert_id,
                reflag=self.ever_flagged,
                flagged_on=visited_on,
                flagged_by=by,
            )
        )

    def record_measure(
        self,
        place: Place,
        kind: MeasureKind,
        giver: str,
        amount_fen: int,
        started_on: date,
        ended_on: date | None,
        by: str,
    ) -> uuid.UUID:
        if amount_fen < 0 or amount_fen > MAX_AMOUNT_FEN:
            raise MonitoringRuleViolation("帮扶金额应在0至1亿元之间（单位：分）", "amount_fen", code="invalid-amount")
        if ended_on is not None and ended_on < started_on:
            raise MonitoringRuleViolation("结束日期不能早于开始日期", "ended_on", code="invalid-dates")
        who = free_text(giver, "giver", "帮扶责任方", required=True)
        assert who is not None
        measure_id = uuid.uuid4()
        self._record(
            AssistanceMeasureRecorded(
                household_id=self.household_id,
                division_code=place.division_code,
                measure_id=measure_id,
                kind=kind,
                giver=who,
                amount_fen=amount_fen,
                started_on=started_on,
                ended_on=ended_on,
                recorded_by=by,
            )
        )
        return measure_id

    def clear(
        self,
        place: Place,
        visit_id: uuid.UUID,
        per_capita_fen_by_year: dict[int, int],
        lines: dict[int, MonitoringLine],
        by: str,
    ) -> None:
        """风险消除: the latest `clear_years` reported years each above that year's line, a measure
        recorded since the flag, and a verification visit on or after the flag; counted on the visit's date."""
        if not self.monitored:
            raise MonitoringRuleViolation("该户未纳入防返贫监测，无风险可消除", code="not-monitored")
        visited_on = self._visit(visit_id)
        assert self.flagged_on is not None
        if visited_on < self.flagged_on:
            raise MonitoringRuleViolation("风险消除须有纳入监测之后的核实走访记录", "visit_id", code="visit-required")
        if self.measures_since_flag == 0:
            raise MonitoringRuleViolation("纳入监测以来尚未落实帮扶措施，不能标注风险消除", code="measures-required")
        years = sorted((y for y in per_capita_fen_by_year if y <= visited_on.year), reverse=True)
        if not years:
            raise MonitoringRuleViolation("尚未填报家庭收入，不能标注风险消除", code="income-required")
        line = lines.get(years[0])
        if line is None:
            raise MonitoringRuleViolation(f"尚未设定{years[0]}年度的监测线，不能标注风险消除", code="line-missing")
        needed = years[: line.clear_years]
        if len(needed) < line.clear_years:
            raise MonitoringRuleViolation(
                f"风险消除须有连续{line.clear_years}年收入高于监测线的记录", code="income-below-line"
            )
        for year in needed:
            year_line = lines.get(year)
            if year_line is None:
                raise MonitoringRuleViolation(f"尚未设定{year}年度的监测线，不能标注风险消除", code="line-missing")
            if per_capita_fen_by_year[year] <= year_line.line_fen:
                raise MonitoringRuleViolation(
                    f"{year}年人均纯收入{yuan_text(per_capita_fen_by_year[year])}元未高于监测线"
                    f"{yuan_text(year_line.line_fen)}元，不能标注风险消除",
                    code="income-below-line",
                )
        self._record(
            HouseholdRiskCleared(
                household_id=self.household_id,
                division_code=place.division_code,
                persons=place.persons,
                visit_id=visit_id,
                income_years=sorted(needed),
                cleared_on=visited_on,
                cleared_by=by,
            )
        )
