"""HTTP request and response bodies of the casework API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from kite_casework.domain.case import CaseStatus
from kite_casework.domain.categories import CaseCategory
from kite_casework.domain.escalation import AdminLevel
from kite_casework.domain.intake import Channel
from kite_casework.domain.lifecycle import CloseReason, Outcome, Satisfaction
from kite_casework.domain.money import MoneyKind, amount_in_fen, corrected_amount
from kite_casework.domain.proxy_service import ProxyMatter
from kite_casework.domain.sla import SlaTier, Urgency


def _fen(value: object) -> int:
    return amount_in_fen(value)


Fen = Annotated[int, BeforeValidator(_fen)]  # a positive whole number of fen; 12.5, "100", -1 are 422s
CorrectedFen = Annotated[int, BeforeValidator(corrected_amount)]  # as Fen, but 0 (冲销) is allowed


class EmployerBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    employer_id: uuid.UUID | None = Field(default=None, description="用人单位编号（岗位服务中登记的）")
    name: str | None = Field(default=None, max_length=200, description="用人单位名称")
    credit_code: str | None = Field(
        default=None, max_length=40, description="统一社会信用代码（18位，按 GB 32100 校验）"
    )
    posting_id: uuid.UUID | None = Field(default=None, description="引发诉求的招聘岗位")
    placement_id: uuid.UUID | None = Field(default=None, description="引发诉求的就业安置")


class OpenCaseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    member_id: uuid.UUID = Field(description="求助人员（名册中的人员编号）")
    category: CaseCategory = Field(description="诉求类别")
    urgency: Urgency = Field(description="紧急程度：critical 特急 / high 紧急 / normal 一般 / low 不急")
    description: str = Field(min_length=1, max_length=2000, description="诉求内容；身份证号和手机号会被脱敏")
    channel: Channel | None = Field(
        default=None,
        description="受理渠道：app 找政府App / hotline 服务热线 / station 服务站 / walk_in 来访 / wechat 微信 / "
        "system_referral 其他系统转来；不填时：本人提出为 app，带外部编号为 system_referral，其余为 station",
    )
    source_system: str | None = Field(default=None, max_length=100, description="来源系统，如“12345政务服务便民热线”")
    external_reference: str | None = Field(
        default=None, max_length=100, description="来源系统的编号；同一来源系统同一编号只登记一件诉求"
    )
    work_division_code: str | None = Field(
        default=None,
        max_length=12,
        description="务工地（驻外服务站、流动党支部）区划代码，如 3301 杭州；该地也可查看和办理",
    )
    claimed_fen: Fen | None = Field(default=None, description="诉求金额（如被拖欠工资），单位：分")
    employer: EmployerBody | None = Field(default=None, description="用人单位（欠薪、工伤、劳动争议类）")
    office_id: uuid.UUID | None = Field(
        default=None,
        description="受理单位（服务站、驻外服务站等，名册中的组织编号，须在管辖范围内）；计入该单位的服务台账",
    )


class CaseEmployer(BaseModel):
    employer_id: uuid.UUID | None = Field(description="用人单位编号（岗位服务中的用人单位）")
    name: str | None
    credit_code: str | None = Field(description="统一社会信用代码")
    posting_id: uuid.UUID | None = Field(description="引发诉求的招聘岗位")
    placement_id: uuid.UUID | None = Field(description="引发诉求的就业安置")


class CaseMoney(BaseModel):
    """All amounts in fen (分)."""

    claimed_fen: int | None = Field(description="诉求金额（如被拖欠工资）")
    recovered_fen: int = Field(description="已追回（各笔之和）")
    relief_paid_fen: int = Field(description="已发放救助金")
    funds_raised_fen: int = Field(description="已筹集资金")
    outstanding_fen: int | None = Field(description="尚未追回：诉求金额减已追回，不小于 0")
    recovered_exceeds_claimed: bool = Field(description="追回超过诉求金额（如含赔偿金、利息），允许并标明")


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
    channel: Channel | None = Field(default=None, description="受理渠道（早于渠道登记的诉求为空）")
    channel_label: str | None = None
    source_system: str | None = None
    external_reference: str | None = None
    work_division_code: str | None = Field(default=None, description="务工地区划代码；该地与户籍地均可查看和办理")
    employer: CaseEmployer | None = None
    money: CaseMoney
    open_referrals: int = Field(description="尚未答复的部门转交件数；有未答复转交时不能办结")


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


class ReferralRequest(_Body):
    department: str = Field(min_length=1, max_length=50, description="部门代码，见 GET /referral-departments")
    question: str = Field(min_length=1, max_length=2000, description="转交事项")
    deadline: datetime = Field(description="部门答复期限（带时区）")


class ReferralAnswerRequest(_Body):
    reply: str = Field(min_length=1, max_length=4000, description="部门答复内容")
    answered_by: str = Field(min_length=1, max_length=100, description="答复人（部门及姓名）")


class ReferralResponse(BaseModel):
    case_id: uuid.UUID
    referral_id: uuid.UUID
    department: str
    department_name: str
    question: str
    department_deadline: datetime
    referred_by: str
    referred_at: datetime
    state: str = Field(description="open 待答复 / answered 已答复 / withdrawn 已撤回")
    state_label: str
    overdue: bool = Field(description="待答复且已过答复期限")
    reply: str | None
    answered_by: str | None
    recorded_by: str | None
    answered_at: datetime | None
    late: bool | None = Field(description="逾期答复")
    withdrawn_reason: str | None
    withdrawn_by: str | None
    withdrawn_at: datetime | None


class Referrals(BaseModel):
    case_id: uuid.UUID
    items: list[ReferralResponse]


class ReferralPage(BaseModel):
    items: list[ReferralResponse]
    next_cursor: str | None


class DepartmentResponse(BaseModel):
    code: str
    name: str
    full_name: str


class ClaimedAmountRequest(_Body):
    amount_fen: Fen = Field(description="诉求金额，单位：分（如 18000000 表示 18 万元）")


class MoneyEntryRequest(_Body):
    kind: MoneyKind = Field(description="recovered 追回款项 / relief_paid 发放救助金 / funds_raised 筹集资金")
    amount_fen: Fen = Field(description="金额，单位：分，正整数")
    on: date = Field(description="日期（不晚于今天）")
    note: str = Field(min_length=1, max_length=500, description="说明，如“用人单位支付第一期”")


class ProxyServiceRequest(_Body):
    matter: ProxyMatter = Field(
        description="social_insurance 社保关系转移接续 / medical_insurance 医保异地就医备案 / documents 证明材料代办 /"
        " schooling 子女入学手续 / household_registration 户籍证件办理 / labour_arbitration 劳动仲裁申请 / other 其他"
    )
    done_on: date = Field(description="办理日期（不晚于今天）")
    note: str = Field(min_length=1, max_length=500, description="办理情况，如“已为其办理养老保险跨省转移”")
    office_id: uuid.UUID | None = Field(
        default=None,
        description="办理单位（服务站、驻外服务站等，名册中的组织编号，须在管辖范围内）；计入该单位的代办台账",
    )


class MoneyCorrectionRequest(_Body):
    amount_fen: CorrectedFen = Field(description="该笔款项应有的金额，单位：分；0 表示冲销")
    reason: str = Field(min_length=1, max_length=500, description="更正原因，如“第一期实为 7.5 万元”")


class MoneyCorrection(BaseModel):
    correction_id: uuid.UUID
    amount_fen: int = Field(description="更正后的金额（分，0 为冲销）")
    replaces_fen: int = Field(description="更正前的金额（分）")
    reason: str
    corrected_by: str
    corrected_at: datetime


class MoneyEntry(BaseModel):
    entry_id: uuid.UUID
    kind: MoneyKind
    kind_label: str
    amount_fen: int = Field(description="登记时的金额（分）")
    current_fen: int = Field(description="现行金额（分）：最后一次更正后的金额，计入合计")
    reversed: bool = Field(description="已冲销")
    on: date
    note: str
    recorded_by: str
    recorded_at: datetime
    corrections: list[MoneyCorrection] = Field(description="更正记录，按时间先后")


class MoneyLedger(BaseModel):
    case_id: uuid.UUID
    totals: CaseMoney
    entries: list[MoneyEntry]
