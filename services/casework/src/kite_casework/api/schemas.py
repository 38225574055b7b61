"""HTTP request and response bodies of the casework API."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from kite_casework.domain.case import CaseStatus
from kite_casework.domain.categories import CaseCategory
from kite_casework.domain.sla import SlaTier, Urgency


class OpenCaseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    member_id: uuid.UUID = Field(description="求助人员（名册中的人员编号）")
    category: CaseCategory = Field(description="诉求类别")
    urgency: Urgency = Field(description="紧急程度：critical 特急 / high 紧急 / normal 一般 / low 不急")
    description: str = Field(min_length=1, max_length=2000, description="诉求内容；身份证号和手机号会被脱敏")


class CaseResponse(BaseModel):
    case_id: uuid.UUID
    member_id: uuid.UUID
    origin_division_code: str = Field(description="求助人户籍地区划代码")
    category: CaseCategory
    category_label: str
    urgency: Urgency
    description: str
    sla_tier: SlaTier
    sla_tier_label: str = Field(description="限时办结档次，如“一小时办结”")
    opened_at: datetime
    deadline: datetime = Field(description="限时办结截止时间")
    opened_by: str
    status: CaseStatus
    status_label: str
    accepted_by: str | None = Field(description="首问负责人")
    accepted_at: datetime | None
    overdue: bool = Field(description="未办结且已超过截止时间")
    version: int = Field(description="当前版本；可在 If-Match 中带回以防覆盖他人的修改")


class CasePage(BaseModel):
    items: list[CaseResponse]
    next_cursor: str | None
