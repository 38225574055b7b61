"""A province's monitoring line for a year as an aggregate: setting it is an event like any other."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import ClassVar

from kite_common.domain import Aggregate
from kite_common.events import EventPayload

from kite_roster.monitoring.domain.monitoring_events import MonitoringLineSet
from kite_roster.monitoring.domain.rules import MonitoringLine, MonitoringRuleViolation

_NAMESPACE = uuid.UUID("6c1f3b0e-53a1-4c8e-9a52-0b5e8f7d2a11")
MAX_LINE_FEN = 10_000_000  # 10万元 per person: anything above is a typing error


def line_id(year: int, province_code: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"{year}-{province_code}")


@dataclass
class MonitoringLineStream(Aggregate):
    stream_prefix: ClassVar[str] = "monitoring-line"
    label: ClassVar[str] = "该监测线"

    line_stream_id: uuid.UUID
    current: MonitoringLine | None = None

    @property
    def id(self) -> uuid.UUID:
        return self.line_stream_id

    def apply(self, event: EventPayload) -> None:
        if isinstance(event, MonitoringLineSet):
            self.current = MonitoringLine(
                event.year, event.province_code, event.line_fen, event.drop_percent, event.clear_years
            )

    def set(self, line: MonitoringLine, by: str) -> bool:
        if not 0 < line.line_fen <= MAX_LINE_FEN:
            raise MonitoringRuleViolation("监测线应为正数且不超过10万元（单位：分）", "line_fen", code="invalid-line")
        if not 1 <= line.drop_percent <= 100:
            raise MonitoringRuleViolation("收入骤减比例应在1%至100%之间", "drop_percent")
        if not 1 <= line.clear_years <= 5:
            raise MonitoringRuleViolation("风险消除所需收入稳定年数应在1至5年之间", "clear_years")
        if line == self.current:
            return False
        self._record(
            MonitoringLineSet(
                year=line.year,
                province_code=line.province_code,
                line_fen=line.line_fen,
                drop_percent=line.drop_percent,
                clear_years=line.clear_years,
                set_by=by,
            )
        )
        return True
