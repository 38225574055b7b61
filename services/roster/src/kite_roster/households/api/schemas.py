"""HTTP bodies of /households and /ledgers/income. Money is yuan, a decimal string with two places
("36000.00") in responses; requests take a string or a number."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from kite_roster.households.domain.household_events import MonitoringCategory


class RegisterHouseholdRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    division_code: str = Field(min_length=1, max_length=12, description="户所在村 12 位统计用区划代码")
    head_name: str = Field(min_length=1, max_length=50, description="户主姓名")
    address: str | None = Field(default=None, max_length=200, description="住址")
    poverty_registered: bool = Field(default=False, description="建档立卡户")
    relocated: bool = Field(default=False, description="易地扶贫搬迁户")
    relocation_site: str | None = Field(default=None, max_length=100, description="安置点（易地搬迁户必填）")
    monitored: bool = Field(default=False, description="防返贫监测对象")
    monitoring_category: MonitoringCategory | None = Field(
        default=None,
        description="监测类别：unstable 脱贫不稳定户，marginal 边缘易致贫户，sudden-hardship 突发严重困难户",
    )


class ChangeFlagsRequest(BaseModel):
    """Only the fields given change. relocated=false clears the site; monitored=false the category."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    poverty_registered: bool | None = None
    relocated: bool | None = None
    relocation_site: str | None = Field(default=None, max_length=100)
    monitored: bool | None = None
    monitoring_category: MonitoringCategory | None = None


class AddMemberRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    relation: str | None = Field(default=None, max_length=20, description="与户主关系，如 本人、配偶、子女")


class IncomeReportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: int = Field(description="收入年度")
    total_income: Decimal = Field(max_digits=14, description="家庭年收入（元，最多两位小数）")
    household_size: int = Field(description="家庭人口")


class HouseholdMemberItem(BaseModel):
    member_id: uuid.UUID
    name: str


class IncomeItem(BaseModel):
    year: int
    total_income: Decimal = Field(description="家庭年收入（元）")
    household_size: int
    per_capita_income: Decimal = Field(description="人均年收入（元）= 家庭年收入 / 家庭人口")
    reported_at: datetime


class HouseholdSummary(BaseModel):
    household_id: uuid.UUID
    division_code: str
    head_name: str
    address: str | None
    poverty_registered: bool
    relocated: bool
    relocation_site: str | None
    monitored: bool
    monitoring_category: MonitoringCategory | None
    monitoring_category_label: str | None
    registered_at: datetime
    version: int


class HouseholdResponse(HouseholdSummary):
    members: list[HouseholdMemberItem]
    incomes: list[IncomeItem] = Field(description="各年度收入（每年以最后一次填报为准），新年度在前")


class HouseholdPage(BaseModel):
    items: list[HouseholdSummary]
    next_cursor: str | None


class LedgerCounts(BaseModel):
    households: int = Field(description="户数")
    persons: int = Field(description="人数")
    poverty_registered: int = Field(description="其中建档立卡户")
    relocated: int = Field(description="其中易地搬迁户")
    monitored: int = Field(description="其中防返贫监测户")


class IncomeBandItem(LedgerCounts):
    label: str
    min: Decimal = Field(description="人均年收入下限（含）")
    max: Decimal | None = Field(description="人均年收入上限（不含）；最高一档为空")


class BelowThreshold(LedgerCounts):
    threshold: Decimal = Field(description="监测线（元/人·年）")
    list: str = Field(description="名单的地址")


class IncomeLedgerResponse(BaseModel):
    year: int
    origin: str = Field(description="地区区划代码前缀")
    total: LedgerCounts
    bands: list[IncomeBandItem]
    below_threshold: BelowThreshold


class BelowThresholdItem(BaseModel):
    household_id: uuid.UUID
    division_code: str
    head_name: str
    poverty_registered: bool
    relocated: bool
    relocation_site: str | None
    monitored: bool
    monitoring_category: MonitoringCategory | None
    year: int
    total_income: Decimal
    household_size: int
    per_capita_income: Decimal


class BelowThresholdPage(BaseModel):
    year: int
    threshold: Decimal
    items: list[BelowThresholdItem]
    next_cursor: str | None
