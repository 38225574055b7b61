"""限时办结: every case gets an SLA tier from its category and urgency, and a deadline from the tier.

The tiers are the five of the practice: 一刻钟, 一小时, 一天, 一周, 一月 (15 minutes, 1 hour, 1 day,
7 days, 30 days). The table below is the policy, row by category, column by urgency:

| category                     | critical | high  | normal | low   |
| ---------------------------- | -------- | ----- | ------ | ----- |
| work_injury 工伤             | 一刻钟   | 一小时 | 一天   | 一周  |
| medical 医疗                 | 一刻钟   | 一小时 | 一天   | 一周  |
| left_behind_family 留守老人儿童 | 一刻钟 | 一小时 | 一天   | 一周  |
| wage_arrears 欠薪            | 一小时   | 一天  | 一周   | 一月  |
| hardship_relief 困难帮扶     | 一小时   | 一天  | 一周   | 一月  |
| labour_dispute 劳动争议      | 一小时   | 一天  | 一周   | 一月  |
| legal_aid 法律援助           | 一小时   | 一天  | 一周   | 一月  |
| certificate 证明/电子印章    | 一小时   | 一天  | 一天   | 一周  |
| social_insurance_proxy 社保医保代办 | 一天 | 一天 | 一周  | 一月  |
| schooling 子女就学           | 一天     | 一周  | 一周   | 一月  |
| return_home_business 返乡创业 | 一天    | 一周  | 一月   | 一月  |
| other 其他                   | 一小时   | 一天  | 一周   | 一月  |

Harm to body or to a dependant (injury, illness, a left-behind child or elder) gets the quickest
answer; money owed and disputes next; paperwork (certificates are quick to issue, proxies take a
week of office time), schooling and business support are planned work.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from kite_casework.domain.categories import CaseCategory
from kite_casework.domain.working_days import WorkingCalendar, china_calendar


class Urgency(StrEnum):
    CRITICAL = "critical"  # 特急: life, health or safety at stake now
    HIGH = "high"  # 紧急
    NORMAL = "normal"  # 一般
    LOW = "low"  # 不急

    @property
    def label(self) -> str:
        return {"critical": "特急", "high": "紧急", "normal": "一般", "low": "不急"}[self.value]


class SlaTier(StrEnum):
    QUARTER_HOUR = "quarter_hour"
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"

    @property
    def duration(self) -> timedelta:
        return _DURATIONS[self]

    @property
    def label(self) -> str:
        return _TIER_LABELS[self]

    @property
    def working_days(self) -> int | None:
        """Working days the tier gives (a day or longer), or None for a tier counted on the clock."""
        return _WORKING_DAYS.get(self)


_DURATIONS: dict[SlaTier, timedelta] = {
    SlaTier.QUARTER_HOUR: timedelta(minutes=15),
    SlaTier.HOUR: timedelta(hours=1),
    SlaTier.DAY: timedelta(days=1),
    SlaTier.WEEK: timedelta(days=7),
    SlaTier.MONTH: timedelta(days=30),
}

# Tiers of a day or longer count working days (weekends, holidays and 调休 from the calendar):
# 一天 is the next working day, 一周 five working days, 一月 twenty (the working-day month of
# administrative time limits). `duration` stays the nominal length, for display.
_WORKING_DAYS: dict[SlaTier, int] = {SlaTier.DAY: 1, SlaTier.WEEK: 5, SlaTier.MONTH: 20}

_TIER_LABELS: dict[SlaTier, str] = {
    SlaTier.QUARTER_HOUR: "一刻钟办结",
    SlaTier.HOUR: "一小时办结",
    SlaTier.DAY: "一天办结",
    SlaTier.WEEK: "一周办结",
    SlaTier.MONTH: "一月办结",
}

_Q, _H, _D, _W, _M = SlaTier.QUARTER_HOUR, SlaTier.HOUR, SlaTier.DAY, SlaTier.WEEK, SlaTier.MONTH
_URGENT_HARM = (_Q, _H, _D, _W)
_MONEY_AND_DISPUTES = (_H, _D, _W, _M)

# (critical, high, normal, low) per category; see the module docstring.
SLA_TABLE: dict[CaseCategory, tuple[SlaTier, SlaTier, SlaTier, SlaTier]] = {
    CaseCategory.WORK_INJURY: _URGENT_HARM,
    CaseCategory.MEDICAL: _URGENT_HARM,
    CaseCategory.LEFT_BEHIND_FAMILY: _URGENT_HARM,
    CaseCategory.WAGE_ARREARS: _MONEY_AND_DISPUTES,
    CaseCategory.HARDSHIP_RELIEF: _MONEY_AND_DISPUTES,
    CaseCategory.LABOUR_DISPUTE: _MONEY_AND_DISPUTES,
    CaseCategory.LEGAL_AID: _MONEY_AND_DISPUTES,
    CaseCategory.CERTIFICATE: (_H, _D, _D, _W),
    CaseCategory.SOCIAL_INSURANCE_PROXY: (_D, _D, _W, _M),
    CaseCategory.SCHOOLING: (_D, _W, _W, _M),
    CaseCategory.RETURN_HOME_BUSINESS: (_D, _W, _M, _M),
    CaseCategory.OTHER: _MONEY_AND_DISPUTES,
}

_COLUMN = {Urgency.CRITICAL: 0, Urgency.HIGH: 1, Urgency.NORMAL: 2, Urgency.LOW: 3}


def sla_tier(category: CaseCategory, urgency: Urgency) -> SlaTier:
    return SLA_TABLE[category][_COLUMN[urgency]]


def deadline(opened_at: datetime, tier: SlaTier, calendar: WorkingCalendar | None = None) -> datetime:
    """When a clock started at `opened_at` runs out: 一刻钟 and 一小时 on the clock, the longer tiers
    in working days of `calendar` (China's by default)."""
    if opened_at.tzinfo is None:
        raise ValueError("opened_at must be timezone-aware")
    days = tier.working_days
    if days is None:
        return opened_at + tier.duration
    return (calendar or china_calendar()).add_working_days(opened_at, days)
