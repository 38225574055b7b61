"""HTTP request and response bodies of the casework API."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from kite_casework.domain.case import CaseStatus
from kite_casework.domain.categories import CaseCategory
from kite_casework.domain.escalation import AdminLevel
from kite_casework.domain.lifecycle import CloseReason, Outcome, Satisfaction
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
    accepted_by: str | None = Field(description="首问负责人（接收转办后为接收人）")
    accepted_at: datetime | None = Field(description="当前负责人受理或接收转办的时间")
    overdue: bool = Field(description="未办结、未暂停且已超过截止时间")
    progress_count: int = Field(description="办理进展条数")
    pending_transfer_to: str | None = Field(description="待接收的转办接收人；接收前仍由原负责人负责")
    suspended: bool = Field(description="暂停办理中（不计时）")
    suspended_since: datetime | None
    outcome: Outcome | None = Field(description="办结结果")
    outcome_label: str | None
    resolution: str | None = Field(description="办理情况")
    resolved_by: str | None
    resolved_at: datetime | None
    follow_up_attempts: int = Field(description="本次办结后的回访次数")
    satisfaction: Satisfaction | None = Field(description="回访满意度")
    satisfaction_label: str | None
    closed_at: datetime | None
    close_reason: CloseReason | None
    close_reason_label: str | None
    escalation_level: AdminLevel = Field(description="四级联动：诉求当前所在层级（village 村 → province 省）")
    escalation_level_label: str
    supervisor_division_code: str | None = Field(description="上报后督办单位的地区代码")
    supervisor_office_id: uuid.UUID | None = Field(description="上报后的督办单位（名册组织编号）")
    supervisor_office_name: str | None
    version: int = Field(description="当前版本；可在 If-Match 中带回以防覆盖他人的修改")


class CasePage(BaseModel):
    items: list[CaseResponse]
    next_cursor: str | None


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ProgressNoteRequest(_Body):
    note: str = Field(min_length=1, max_length=2000, description="办理进展；身份证号和手机号会被脱敏")


class ResolveRequest(_Body):
    outcome: Outcome = Field(description="办结结果：resolved 已解决 / partly_resolved 部分解决 / unresolvable 无法解决")
    summary: str = Field(min_length=1, max_length=2000, description="办理情况；身份证号和手机号会被脱敏")


class FollowUpRequest(_Body):
    reached: bool = Field(description="是否联系上求助人")
    satisfaction: Satisfaction | None = Field(
        default=None, description="联系上时必填：satisfied 满意 / neutral 基本满意 / unsatisfied 不满意"
    )
    comment: str = Field(default="", max_length=2000, description="回访记录")


class TransferRequest(_Body):
    to: str = Field(min_length=1, max_length=100, description="接收人（账号）")
    reason: str = Field(min_length=1, max_length=500, description="转办原因")


class ReasonRequest(_Body):
    reason: str = Field(min_length=1, max_length=500, description="原因")


class TimelineEntry(BaseModel):
    position: int = Field(description="第几步")
    kind: str = Field(description="事件类型，如 case-resolved")
    label: str = Field(description="做了什么")
    actor: str = Field(description="由谁")
    at: datetime
    detail: str


class Timeline(BaseModel):
    case_id: uuid.UUID
    entries: list[TimelineEntry]
