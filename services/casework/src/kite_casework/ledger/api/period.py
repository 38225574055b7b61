"""The query every casework ledger takes: the level and area it groups by, the months it covers and
the format it answers in — parsed once, as a FastAPI dependency."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Literal

from fastapi import Depends, Query
from kite_common.clock import utcnow
from kite_common.http.problems import Problem

from kite_casework.ledger.adapters.projection import month_of
from kite_casework.ledger.application.service_ledger import LedgerLevel

MONTH = r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])$"  # ASCII digits; year 0000 is no date
LEVEL_TITLES = {"province": "按省", "city": "按市", "county": "按县", "township": "按乡镇", "village": "按村"}
LedgerFormat = Literal["json", "csv", "xlsx"]


@dataclass(frozen=True)
class LedgerQuery:
    level: LedgerLevel
    area: str | None
    first: date
    last: date
    format: LedgerFormat
    office: uuid.UUID | None = None

    def download_name(self, title: str) -> str:
        grouping = "按单位" if self.office is not None else LEVEL_TITLES[self.level]
        return f"{title}_{grouping}_{self.first:%Y-%m}_{self.last:%Y-%m}"


def _first_day(month: str | None, default: date) -> date:
    if month is None:
        return default
    year, number = month.split("-")
    return date(int(year), int(number), 1)


def ledger_query(
    level: Annotated[
        LedgerLevel, Query(description="province 按省 | city 按市 | county 按县 | township 按乡镇 | village 按村")
    ] = "county",
    area: Annotated[str | None, Query(pattern=r"^[0-9]{1,12}$", description="区划代码前缀，缺省为管辖范围")] = None,
    from_: Annotated[str | None, Query(alias="from", pattern=MONTH, description="起始月份 YYYY-MM，缺省为本月")] = None,
    to: Annotated[str | None, Query(pattern=MONTH, description="截止月份 YYYY-MM，缺省为本月")] = None,
    format: Annotated[LedgerFormat, Query(description="json，或下载 csv / xlsx")] = "json",
    office: Annotated[
        uuid.UUID | None,
        Query(description="只看一个受理单位（服务站、驻外服务站等，名册中的组织编号）的台账；此时不按地方分组"),
    ] = None,
) -> LedgerQuery:
    this_month = month_of(utcnow())
    first, last = _first_day(from_, this_month), _first_day(to, this_month)
    if first > last:
        raise Problem("起始月份不能晚于截止月份", status=422, code="validation")
    return LedgerQuery(level, area, first, last, format, office)


Period = Annotated[LedgerQuery, Depends(ledger_query)]
