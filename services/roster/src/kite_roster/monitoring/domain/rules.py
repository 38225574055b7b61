"""What the monitoring domain refuses, and the data it decides with (lines, pairing rules)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from kite_common.domain import NotFound, RuleViolation

_PERSONAL_NUMBER = re.compile(r"[0-9]{11,}")  # a phone number or part of an ID number
MAX_TEXT = 500


class MonitoringRuleViolation(RuleViolation):
    code = "invalid-monitoring"

    def __init__(self, message: str, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message, code=code, field=field)


class AlertNotFound(NotFound):
    code = "alert-not-found"

    def __init__(self) -> None:
        super().__init__("未找到该预警")


class VisitNotFound(MonitoringRuleViolation):
    def __init__(self) -> None:
        super().__init__("未找到该走访记录，请先登记入户走访", "visit_id", code="visit-required")


class CadreNotFound(NotFound):
    code = "cadre-not-found"

    def __init__(self) -> None:
        super().__init__("未找到该帮扶人")


def free_text(value: str | None, field: str, label: str, required: bool = False) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise MonitoringRuleViolation(f"请填写{label}", field, code="text-required")
        return None
    if len(text) > MAX_TEXT:
        raise MonitoringRuleViolation(f"{label}不应超过{MAX_TEXT}字", field)
    if _PERSONAL_NUMBER.search(text):
        raise MonitoringRuleViolation(f"{label}中不应包含身份证号或手机号", field)
    return text


def yuan_text(fen: int) -> str:
    return f"{fen // 100}" if fen % 100 == 0 else f"{fen / 100:.2f}"


@dataclass(frozen=True)
class MonitoringLine:
    year: int
    province_code: str
    line_fen: int
    drop_percent: int
    clear_years: int


@dataclass(frozen=True)
class PairingRule:
    """A pairing rule as data: a cadre of `rank` holds at most `max_households` households whose
    per-capita income lies in [min_fen, max_fen]."""

    rank: str
    name: str  # how a refusal names it (Chinese)
    max_households: int
    min_fen: int
    max_fen: int

    def band_text(self) -> str:
        return f"{yuan_text(self.min_fen)}—{yuan_text(self.max_fen)}元"
