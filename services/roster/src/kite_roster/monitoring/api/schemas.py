"""HTTP bodies of /monitoring and /ledgers/monitoring. Money is integer fen."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from kite_roster.monitoring.domain.monitoring_events import (
    CadreRank,
    MeasureKind,
    MonitoringCategory,
    RiskSignal,
)


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class MonitoringLineRequest(_Request):
    line_fen: int = Field(gt=0, le=10_000_000, description="年人均纯收入监测线（分）")
    drop_percent: int = Field(default=30, ge=1, le=100, description="收入较上年下降超过此比例即预警（%）")
    clear_years: int = Field(default=1, ge=1, le=5, description="风险消除须连续高于监测线的年数")


class MonitoringLineItem(BaseModel):
    year: int
    province_code: str
    line_fen: int
    drop_percent: int
    clear_years: int
    source: str


class VisitRequest(_Request):
    visited_on: date = Field(description="走访日期")
    note: str | None = Field(default=None, max_length=500, description="走访情况")


class CreatedId(BaseModel):
    id: uuid.UUID


class FlagRequest(_Request):
    category: MonitoringCategory = Field(
        description="监测类别：unstable 脱贫不稳定户，marginal 边缘易致贫户，sudden-hardship 突发严重困难户"
    )
    reason: str = Field(min_length=1, max_length=500, description="纳入监测理由")
    visit_id: uuid.UUID = Field(description="核实走访记录")
    alert_id: uuid.UUID | None = Field(default=None, description="所核实的预警（无预警时直接识别）")


class DismissRequest(_Request):
    visit_id: uuid.UUID
    reason: str = Field(min_length=1, max_length=500, description="排除理由")


class MeasureRequest(_Request):
    kind: MeasureKind = Field(
        description="industry 产业, employment 就业, education 教育, medical 医疗, housing 住房, "
        "social-security 兜底保障, consumption 消费"
    )
    giver: str = Field(min_length=1, max_length=200, description="帮扶责任方")
    amount_fen: int = Field(ge=0, le=10_000_000_000, description="金额（分）")
    started_on: date
    ended_on: date | None = None


class ClearRequest(_Request):
    visit_id: uuid.UUID = Field(description="风险消除核实走访记录")


class MainEarnerRequest(_Request):
    member_id: uuid.UUID


class AlertItem(BaseModel):
    alert_id: uuid.UUID
    household_id: uuid.UUID
    division_code: str
    signal: RiskSignal
    year: int | None
    note: str | None
    status: str
    reason: str | None
    raised_at: datetime
    closed_at: datetime | None


class AlertPage(BaseModel):
    items: list[AlertItem]
    next_cursor: str | None


class VisitItem(BaseModel):
    visit_id: uuid.UUID
    visited_on: date
    note: str | None
    visited_by: str


class MeasureItem(BaseModel):
    measure_id: uuid.UUID
    kind: MeasureKind
    giver: str
    amount_fen: int
    started_on: date
    ended_on: date | None


class PairingItem(BaseModel):
    cadre_id: uuid.UUID
    per_capita_fen: int | None
    rule: str | None
    paired_on: date
    ended_on: date | None
    end_reason: str | None


class HouseholdMonitoringResponse(BaseModel):
    household_id: uuid.UUID
    division_code: str
    monitored: bool
    ever_flagged: bool
    category: MonitoringCategory | None
    flagged_on: date | None
    cleared_on: date | None
    version: int
    alerts: list[AlertItem]
    visits: list[VisitItem]
    measures: list[MeasureItem]
    pairings: list[PairingItem]


class CadreRequest(_Request):
    name: str = Field(min_length=1, max_length=50)
    rank: CadreRank = Field(
        description="leading 科级及以上领导干部, ordinary 一般干部, social-force 社会力量, task-force 县级专班"
    )
    organisation: str = Field(min_length=1, max_length=200, description="单位名称")
    organisation_code: str = Field(pattern=r"^[0-9]{2,12}$", description="单位所在地区划代码")


class CadreHousehold(BaseModel):
    household_id: uuid.UUID
    division_code: str
    per_capita_fen: int | None
    rule: str | None
    paired_on: date


class CadreResponse(BaseModel):
    cadre_id: uuid.UUID
    name: str
    rank: CadreRank
    organisation: str
    organisation_code: str
    load: int
    households: list[CadreHousehold]


class Pair(_Request):
    cadre_id: uuid.UUID
    household_id: uuid.UUID


class PairRequest(_Request):
    pairs: list[Pair] = Field(min_length=1, max_length=1000, description="结对（全部成功或全部不变）")


class UnpairRequest(_Request):
    cadre_id: uuid.UUID
    household_id: uuid.UUID
    reason: str = Field(min_length=1, max_length=500, description="解除结对原因")


class ProposalItem(BaseModel):
    household_id: uuid.UUID
    cadre_id: uuid.UUID
    division_code: str
    per_capita_fen: int
    level: int = Field(description="户与帮扶人单位共享的区划代码位数：12 同村，9 同乡镇，6 同县")


class ProposalResponse(BaseModel):
    county: str
    year: int
    total: int
    items: list[ProposalItem]


class MonitoringLedgerRow(BaseModel):
    place: str = Field(description="区划代码（合计行为“合计”）")
    identified_households: int = Field(description="新识别户数（含风险再标注）")
    identified_persons: int
    reflagged_households: int = Field(description="其中风险再标注户数")
    cleared_households: int = Field(description="标注风险消除户数")
    cleared_persons: int
    unresolved_households_at_start: int
    unresolved_persons_at_start: int
    unresolved_rate_at_start: float | None
    unresolved_households: int = Field(description="期末未消除风险户数")
    unresolved_persons: int
    ever_identified_households: int = Field(description="累计识别户数（风险率分母）")
    unresolved_rate: float | None = Field(description="未消除风险率（%）")
    paired_households: int
    unpaired_unresolved_households: int = Field(description="未消除风险且未结对户数")
    cadres: int
    load: float | None = Field(description="平均每名帮扶人结对户数")
    measures: int
    measures_fen: int
    measures_industry: int
    measures_industry_fen: int
    measures_employment: int
    measures_employment_fen: int
    measures_education: int
    measures_education_fen: int
    measures_medical: int
    measures_medical_fen: int
    measures_housing: int
    measures_housing_fen: int
    measures_social_security: int
    measures_social_security_fen: int
    measures_consumption: int
    measures_consumption_fen: int


class MonitoringLedgerResponse(BaseModel):
    origin: str
    level: str
    year: int
    month: int | None
    rows: list[MonitoringLedgerRow]
