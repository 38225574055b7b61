"""HTTP request and response bodies of the jobs API. Money is integer fen; places are 12-digit
division codes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kite_jobs.domain.events import FollowUpProblem

DIVISION = r"^[0-9]{12}$"
FEN = Field(ge=0, le=100_000_000)


class ContactRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=50, description="联系人姓名")
    role: str | None = Field(default=None, max_length=50, description="职务")
    phone: str = Field(min_length=7, max_length=20, description="联系电话（加密保存，仅显示掩码）")


class RegisterEmployerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100, description="单位名称")
    unified_social_credit_code: str = Field(max_length=30, description="统一社会信用代码（18位，含校验码）")
    industry: str | None = Field(default=None, max_length=50, description="所属行业")
    hiring_division_code: str = Field(pattern=DIVISION, description="招工地 12 位统计用区划代码")
    area_division_code: str = Field(pattern=DIVISION, description="登记地（所属辖区）12 位统计用区划代码")
    contacts: list[ContactRequest] = Field(default=[], max_length=10, description="联系人")


class ContactResponse(BaseModel):
    contact_id: uuid.UUID
    name: str
    role: str | None = None
    phone_masked: str | None = Field(default=None, description="掩码后的联系电话")


class RightsRecordResponse(BaseModel):
    """劳动权益记录: the employer's wage-arrears (欠薪) and work-injury (工伤) cases in casework."""

    open_cases: int = Field(default=0, description="未办结的欠薪、工伤诉求数")
    resolved_cases: int = Field(default=0, description="已办结的欠薪、工伤诉求数")
    open_wage_cases: int = Field(default=0, description="未办结的欠薪诉求数（大于0时其岗位标记提示工作人员）")
    claimed_fen: int = Field(default=0, description="诉求金额合计（分）")
    recovered_fen: int = Field(default=0, description="已追回金额合计（分）")
    outstanding_fen: int = Field(default=0, description="尚欠金额合计（分）：各诉求未追回部分之和")


class EmployerResponse(BaseModel):
    employer_id: uuid.UUID
    name: str
    unified_social_credit_code: str | None
    industry: str | None
    hiring_division_code: str
    area_division_code: str
    contacts: list[ContactResponse]
    verified: bool
    verified_at: datetime | None
    verified_by: str | None
    registered_at: datetime
    rights_record: RightsRecordResponse = Field(
        default_factory=RightsRecordResponse, description="劳动权益记录（来自诉求系统的欠薪、工伤诉求）"
    )
    version: int


class EmployerPage(BaseModel):
    items: list[EmployerResponse]
    next_cursor: str | None


class VerifyEmployerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    note: str | None = Field(default=None, max_length=200, description="核验说明")


class OpenPostingRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    employer_id: uuid.UUID = Field(description="用人单位")
    title: str = Field(min_length=1, max_length=100, description="岗位名称")
    trades: list[str] = Field(default=[], max_length=10, description="工种")
    skills_required: list[str] = Field(min_length=1, max_length=30, description="技能要求")
    headcount: int = Field(ge=1, le=100_000, description="招聘人数（至少1人）")
    wage_min_fen: int = Field(ge=0, le=100_000_000, description="月薪下限（分）")
    wage_max_fen: int = Field(ge=0, le=100_000_000, description="月薪上限（分，不低于下限）")
    place_division_code: str = Field(pattern=DIVISION, description="工作地 12 位统计用区划代码")
    place_label: str | None = Field(default=None, max_length=50, description="工作地名称（仅用于显示，匹配按区划代码）")
    housing: bool = Field(default=False, description="包住")
    meals: bool = Field(default=False, description="包吃")
    age_min: int | None = Field(default=None, ge=16, le=70, description="最低年龄")
    age_max: int | None = Field(default=None, ge=16, le=70, description="最高年龄")
    certificates_required: list[str] = Field(default=[], max_length=10, description="要求的证书")
    opens_on: date = Field(description="开始招聘日期")
    closes_on: date = Field(description="截止日期（不早于开始日期）")


class PostingResponse(BaseModel):
    posting_id: uuid.UUID
    employer_id: uuid.UUID
    employer_name: str
    employer_verified: bool
    marked_wage_arrears: bool = Field(default=False, description="提示工作人员：该用人单位有未办结的欠薪诉求")
    employer_open_wage_cases: int = Field(default=0, description="该用人单位未办结的欠薪诉求数")
    title: str
    trades: list[str]
    skills_required: list[str]
    headcount: int
    wage_min_fen: int
    wage_max_fen: int
    place_division_code: str
    place_label: str | None
    housing: bool
    meals: bool
    age_min: int | None
    age_max: int | None
    certificates_required: list[str]
    opens_on: date | None
    closes_on: date | None
    status: str = Field(description="open 招聘中 / closed 已关闭")
    close_reason: str | None
    filled_count: int
    matched_count: int
    area_division_code: str
    opened_at: datetime
    version: int


class PostingPage(BaseModel):
    items: list[PostingResponse]
    next_cursor: str | None


class ClosePostingRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str | None = Field(default=None, max_length=200, description="关闭原因")


class ScorePartResponse(BaseModel):
    part: str = Field(
        description="skills 技能 / place 地点 / wage 薪资 / availability 到岗时间 / requirements 硬性要求"
    )
    points: float
    max_points: float
    detail: str


class MatchResponse(BaseModel):
    posting_id: uuid.UUID
    member_id: uuid.UUID
    member_name: str | None = None
    matched_skills: list[str]
    score: float = Field(description="得分 / 100")
    priority: int | None = Field(
        default=None, description="户帮扶优先级：1 建档立卡/监测户无人就业，2 仅一人就业，3 其他"
    )
    priority_label: str | None = None
    score_parts: list[ScorePartResponse] = []
    member_origin_division_code: str


class MatchResult(BaseModel):
    items: list[MatchResponse] = Field(description="本次新匹配的人员：先按户帮扶优先级，再按得分从高到低")


class MatchPage(BaseModel):
    items: list[MatchResponse]
    next_cursor: str | None


class RegisterSeekerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    desired_division_code: str = Field(pattern=DIVISION, description="意向工作地 12 位统计用区划代码")
    willing_to_move: bool = Field(default=False, description="是否愿意到外市、外省务工")
    expected_wage_fen: int = Field(ge=0, le=100_000_000, description="期望月薪（分）")
    certificates: list[str] = Field(default=[], max_length=20, description="持有的证书")
    available_from: date = Field(description="可上岗日期")


class SeekerResponse(BaseModel):
    member_id: uuid.UUID
    name: str
    origin_division_code: str
    desired_division_code: str
    willing_to_move: bool
    expected_wage_fen: int
    certificates: list[str]
    available_from: date
    registered_at: datetime
    version: int


class RecommendedPosting(BaseModel):
    posting: PostingResponse
    score: float
    score_parts: list[ScorePartResponse]


class Recommendations(BaseModel):
    member_id: uuid.UUID
    priority: int
    priority_label: str
    items: list[RecommendedPosting] = Field(description="按得分从高到低")


class ApplyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    member_id: uuid.UUID = Field(description="投递人员")


class ApplicationResponse(BaseModel):
    posting_id: uuid.UUID
    member_id: uuid.UUID
    member_name: str | None = None
    status: str = Field(description="submitted 已投递 / hired 已录用 / declined 未录用")
    from_match: bool
    submitted_at: datetime
    decided_at: datetime | None
    decline_reason: str | None
    placement_id: uuid.UUID | None


class ApplicationPage(BaseModel):
    items: list[ApplicationResponse]
    next_cursor: str | None


class DeclineRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=1, max_length=200, description="未录用原因")


class HireRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start_date: date = Field(description="到岗日期")
    wage_fen: int = Field(gt=0, le=100_000_000, description="月薪（分）")


class FollowUpResponse(BaseModel):
    month: int
    due_on: date
    status: str = Field(description="due 待回访 / recorded 已回访")
    followed_up_on: date | None
    still_employed: bool | None
    wage_paid_on_time: bool | None
    problems: str | None
    problem_kind: FollowUpProblem | None = Field(default=None, description="问题类别（诉求系统据此登记诉求）")


class PlacementResponse(BaseModel):
    placement_id: uuid.UUID
    posting_id: uuid.UUID
    employer_id: uuid.UUID
    employer_name: str
    member_id: uuid.UUID
    member_name: str | None
    member_origin_division_code: str
    place_division_code: str
    title: str
    start_date: date
    wage_fen: int
    left_on: date | None
    leave_reason: str | None
    next_follow_up_on: date | None
    follow_ups: list[FollowUpResponse]
    version: int


class PlacementPage(BaseModel):
    items: list[PlacementResponse]
    next_cursor: str | None


class RecordFollowUpRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    month: int = Field(description="到岗后第几个月的回访：1、3 或 6")
    followed_up_on: date = Field(description="回访日期（不早于到岗日期）")
    still_employed: bool = Field(description="是否仍在岗")
    wage_paid_on_time: bool | None = Field(default=None, description="工资是否按时足额发放")
    problems: str | None = Field(default=None, max_length=500, description="反映的问题")
    problem_kind: FollowUpProblem | None = Field(
        default=None,
        description="问题类别：wage_unpaid 欠薪 / injury 工伤 / contract_dispute 劳动合同纠纷 / other 其他；"
        "填写后诉求系统为该人员登记一件诉求",
    )


class EndPlacementRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    left_on: date = Field(description="离职日期")
    reason: str | None = Field(default=None, max_length=200, description="离职原因")


class DueFollowUp(BaseModel):
    placement_id: uuid.UUID
    member_id: uuid.UUID
    member_name: str | None
    month: int
    due_on: date
    member_origin_division_code: str


class DueFollowUpPage(BaseModel):
    items: list[DueFollowUp]
    next_cursor: str | None


class LedgerRow(BaseModel):
    area_division_code: str
    people_placed: int
    employed_now: int
    followed_up_3m: int
    retained_3m: int
    followed_up_6m: int
    retained_6m: int
    training_completions: int
    households_with_earner: int
    priority_households: int
    priority_households_with_earner: int


class Ledger(BaseModel):
    level: str
    items: list[LedgerRow]


class OpenCourseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=100, description="培训班名称")
    trade: str = Field(
        min_length=1, max_length=100, description="培训工种（结业后记为该人员的技能），如 钢筋工、育婴师"
    )
    provider: str = Field(min_length=1, max_length=100, description="培训机构")
    place_division_code: str = Field(pattern=DIVISION, description="培训地点 12 位统计用区划代码")
    starts_on: date = Field(description="开班日期")
    ends_on: date = Field(description="结业日期（不早于开班日期）")
    capacity: int = Field(ge=1, le=10_000, description="名额")
    subsidy_fen: int = Field(default=0, ge=0, le=100_000_000, description="每人培训补贴（分）")
    certificate: str | None = Field(default=None, max_length=100, description="结业可获证书")
    area_division_code: str = Field(pattern=DIVISION, description="所属辖区 12 位区划代码（须在本辖区内）")


class CourseResponse(BaseModel):
    course_id: uuid.UUID
    title: str
    trade: str
    provider: str
    place_division_code: str
    starts_on: date
    ends_on: date
    capacity: int
    subsidy_fen: int
    certificate: str | None
    enrolled_count: int
    completed_count: int
    area_division_code: str
    version: int


class CoursePage(BaseModel):
    items: list[CourseResponse]
    next_cursor: str | None


class EnrolRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    member_id: uuid.UUID = Field(description="报名人员")


class CompletionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    completed_on: date = Field(description="结业日期")


class EnrolmentResponse(BaseModel):
    course_id: uuid.UUID
    member_id: uuid.UUID
    member_name: str | None
    enrolled_at: datetime
    completed_on: date | None
    skill: str | None
    certificate: str | None


class EnrolmentPage(BaseModel):
    items: list[EnrolmentResponse]
    next_cursor: str | None


class OrganiseFairRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=100, description="招聘会名称")
    organisers: list[str] = Field(min_length=1, max_length=20, description="主办单位")
    held_on: date = Field(description="举办日期")
    online: bool = Field(default=False, description="线上招聘会")
    place_division_code: str | None = Field(default=None, pattern=DIVISION, description="举办地点（线下必填）")
    area_division_code: str = Field(pattern=DIVISION, description="所属辖区 12 位区划代码（须在本辖区内）")


class JoinFairRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    employer_id: uuid.UUID = Field(description="参会单位")
    posting_ids: list[uuid.UUID] = Field(min_length=1, max_length=200, description="该单位带来的岗位")


class FairRegisterRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    member_id: uuid.UUID = Field(description="报名人员")
    invited: bool = Field(default=False, description="是否为工作人员邀约")


class FairMemberRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    member_id: uuid.UUID


class FairOfferRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    member_id: uuid.UUID
    posting_id: uuid.UUID = Field(description="达成意向的岗位（须为本招聘会岗位）")


class FairResponse(BaseModel):
    fair_id: uuid.UUID
    title: str
    organisers: list[str]
    held_on: date
    online: bool
    place_division_code: str | None
    area_division_code: str
    employers: int
    postings: int
    registered: int
    invited: int
    attended: int
    offers: int
    placed: int = Field(description="报名参会人员经本招聘会岗位、在举办日起 within_days 天内到岗的人数")
    version: int


class FairAttendee(BaseModel):
    member_id: uuid.UUID
    member_name: str | None = Field(default=None, description="姓名（人员资料尚未同步时为空）")
    member_origin_division_code: str = Field(description="户籍地区划代码")
    invited: bool = Field(description="true：受邀参会；false：自行报名")
    registered_at: datetime
    checked_in_at: datetime | None = Field(description="签到时间；未签到为空")


class FairAttendeePage(BaseModel):
    items: list[FairAttendee]
    next_cursor: str | None


class FairEmployer(BaseModel):
    employer_id: uuid.UUID
    employer_name: str | None = Field(default=None, description="单位名称（单位资料尚未同步时为空）")
    industry: str | None = None
    hiring_division_code: str | None = Field(default=None, description="用工地区划代码")
    verified: bool | None = Field(default=None, description="人社驿站是否已核验")
    postings: int = Field(description="携带参会的岗位数")


class FairEmployerPage(BaseModel):
    items: list[FairEmployer]
    next_cursor: str | None


class FairPosting(BaseModel):
    posting_id: uuid.UUID
    employer_id: uuid.UUID
    employer_name: str | None = Field(default=None, description="单位名称")
    title: str | None = Field(default=None, description="岗位名称（岗位资料尚未同步时为空）")
    headcount: int | None = Field(default=None, description="招聘人数")
    wage_min_fen: int | None = Field(default=None, description="月工资下限（分）")
    wage_max_fen: int | None = Field(default=None, description="月工资上限（分）")
    place_division_code: str | None = Field(default=None, description="工作地区划代码")
    place_label: str | None = None
    status: str | None = Field(default=None, description="open：招聘中；closed：已关闭")


class FairPostingPage(BaseModel):
    items: list[FairPosting]
    next_cursor: str | None


class FairLedger(BaseModel):
    within_days: int
    items: list[FairResponse]


class RegisterVentureRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    member_id: uuid.UUID = Field(description="返乡创业人员")
    name: str = Field(min_length=1, max_length=100, description="项目名称")
    industry: str | None = Field(default=None, max_length=50, description="行业")
    place_division_code: str = Field(pattern=DIVISION, description="项目地点 12 位区划代码（须在本辖区内）")
    started_on: date = Field(description="创办日期")
    investment_fen: int = Field(ge=0, le=100_000_000_000, description="投资额（分）")
    jobs_created: int = Field(ge=0, le=1_000_000, description="带动就业人数")


class SupportVentureRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Literal["loan", "subsidy", "site", "training", "other"] = Field(
        description="loan 创业担保贷款 / subsidy 创业补贴 / site 场地 / training 创业培训 / other 其他"
    )
    amount_fen: int = Field(default=0, ge=0, le=100_000_000_000, description="金额（分，非资金扶持填0）")
    given_on: date = Field(description="扶持日期")
    note: str | None = Field(default=None, max_length=200)


class ReportVentureJobsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    jobs_created: int = Field(ge=0, le=1_000_000, description="目前带动就业人数")
    investment_fen: int = Field(ge=0, le=100_000_000_000, description="累计投资额（分）")
    reported_on: date


class VentureResponse(BaseModel):
    venture_id: uuid.UUID
    member_id: uuid.UUID
    member_name: str | None
    name: str
    industry: str | None
    place_division_code: str
    started_on: date
    investment_fen: int
    jobs_created: int
    support_fen: int
    support_count: int
    version: int


class VentureLedgerRow(BaseModel):
    area_division_code: str
    ventures: int
    investment_fen: int
    jobs_created: int
    support_fen: int


class VentureLedger(BaseModel):
    level: str
    items: list[VentureLedgerRow]


class OpenCampaignRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=100, description="活动名称")
    skills_wanted: list[str] = Field(min_length=1, max_length=30, description="家乡需要的技能")
    area_division_code: str = Field(pattern=DIVISION, description="所属辖区 12 位区划代码（须在本辖区内）")


class CampaignResponse(BaseModel):
    campaign_id: uuid.UUID
    title: str
    skills_wanted: list[str]
    area_division_code: str
    reached: int
    interested: int
    returned: int
    version: int


class RecallOutcomeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    member_id: uuid.UUID
    outcome: Literal["contacted", "interested", "returned", "declined"] = Field(
        description="contacted 已联系 / interested 有意向 / returned 已回引 / declined 暂不回乡"
    )


class TalentItem(BaseModel):
    member_id: uuid.UUID
    name: str
    origin_division_code: str
    current_city: str
    skills: list[str]
    outcome: str | None


class TalentPage(BaseModel):
    items: list[TalentItem]
    next_cursor: str | None
