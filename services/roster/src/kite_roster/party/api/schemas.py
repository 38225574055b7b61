"""HTTP request and response bodies of organisations, party membership, org life, dues and the
party ledger."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from kite_roster.party.domain.organisation_events import OrganisationKind
from kite_roster.party.domain.party_events import (
    MONTH_PATTERN,
    AttendanceStatus,
    MembershipRole,
    OrgLifeKind,
    PartyStatus,
    SessionMode,
)
from kite_roster.shared.divisions import division_problem

PHONE_PATTERN = r"^(1[0-9]{10}|0[0-9]{2,3}-?[0-9]{7,8})$"  # mobile, or landline with area code


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# organisations


class ContactIn(_Request):
    name: str = Field(min_length=1, max_length=50, description="联系人姓名")
    role: str = Field(min_length=1, max_length=50, description="职务，如 支部书记、站长")
    phone: str | None = Field(
        default=None, pattern=PHONE_PATTERN, description="联系电话；修改时不填则保留原号码（须给 contact_id）"
    )
    contact_id: uuid.UUID | None = Field(default=None, description="已有联系人的编号；新联系人不填")


class _OrganisationFields(_Request):
    name: str = Field(min_length=1, max_length=100, description="组织名称")
    host_city: str | None = Field(default=None, max_length=50, description="驻在城市（驻外组织必填）")
    contacts: list[ContactIn] = Field(default_factory=list, max_length=20, description="联系人")


class RegisterOrganisationRequest(_OrganisationFields):
    kind: OrganisationKind = Field(description="组织类别")
    division_code: str = Field(description="所属地区 12 位统计用区划代码（驻外组织填流出地）")
    parent_id: uuid.UUID | None = Field(default=None, description="上级组织")

    @field_validator("division_code")
    @classmethod
    def _division(cls, v: str) -> str:
        problem = division_problem(v)
        if problem:
            raise ValueError(problem)
        return v


class UpdateOrganisationRequest(_OrganisationFields):
    """All editable fields, as they should be after the edit. Kind and area are not editable."""


class MoveOrganisationRequest(_Request):
    parent_id: uuid.UUID | None = Field(description="新的上级组织；null 表示移为顶级组织")


class DissolveOrganisationRequest(_Request):
    dissolved_on: date = Field(description="撤销日期")
    reason: str = Field(min_length=1, max_length=200, description="撤销原因")


class ContactOut(BaseModel):
    contact_id: uuid.UUID
    name: str
    role: str
    phone: str | None = Field(description="脱敏显示")


class OrganisationResponse(BaseModel):
    organisation_id: uuid.UUID
    parent_id: uuid.UUID | None
    parent_name: str | None
    name: str
    kind: OrganisationKind
    kind_label: str
    division_code: str
    host_city: str | None
    depth: int = Field(description="层级，顶级为 1")
    contacts: list[ContactOut]
    dissolved: bool
    dissolved_on: date | None
    dissolved_reason: str | None
    registered_at: datetime
    version: int
    children_count: int | None = Field(default=None, description="未撤销的下级组织数（仅单个查询）")
    members_count: int | None = Field(default=None, description="在册党员数（仅单个查询）")

    @model_validator(mode="before")
    @classmethod
    def _label(cls, data: Any) -> Any:
        if isinstance(data, dict) and "kind_label" not in data:
            data = {**data, "kind_label": OrganisationKind(data["kind"]).label}
        return data


class OrganisationPage(BaseModel):
    items: list[OrganisationResponse]
    next_cursor: str | None


class OrganisationMemberResponse(BaseModel):
    member_id: uuid.UUID
    name: str
    gender: str
    origin_division_code: str
    current_city: str
    employer: str | None
    role: MembershipRole
    role_label: str
    joined_on: date = Field(description="加入本支部日期")
    party_status: PartyStatus
    party_status_label: str
    party_joined_on: date = Field(description="入党日期")
    probationary: bool = Field(description="是否预备党员（未转正）")

    @model_validator(mode="before")
    @classmethod
    def _labels(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = {
                **data,
                "role_label": MembershipRole(data["role"]).label,
                "party_status_label": PartyStatus(data["party_status"]).label,
            }
        return data


class OrganisationMemberPage(BaseModel):
    items: list[OrganisationMemberResponse]
    next_cursor: str | None


# party membership


class RecordPartyMembershipRequest(_Request):
    member_id: uuid.UUID
    joined_on: date = Field(description="入党日期（预备党员为接收日期）")
    probationary: bool = Field(description="是否预备党员：是则预备期一年")


class ConfirmRequest(_Request):
    confirmed_on: date = Field(description="转正日期")


class StatusChangeRequest(_Request):
    status: PartyStatus
    changed_on: date
    reason: str | None = Field(default=None, max_length=200)


class JoinBranchRequest(_Request):
    organisation_id: uuid.UUID
    role: MembershipRole = Field(description="origin 流出地 / region 区域 / industry 行业")
    joined_on: date


class LeaveBranchRequest(_Request):
    left_on: date
    reason: str | None = Field(default=None, max_length=200)


class TransferBranchRequest(_Request):
    organisation_id: uuid.UUID = Field(description="转入的支部")
    transferred_on: date


class DuesRequest(_Request):
    month: str = Field(pattern=MONTH_PATTERN, description="所交月份 YYYY-MM")
    amount_fen: int = Field(description="金额（分）")
    paid_on: date = Field(description="交纳日期")
    correction: bool = Field(default=False, description="更正该月已登记的党费")
    note: str | None = Field(default=None, max_length=200)


class MembershipOut(BaseModel):
    organisation_id: uuid.UUID
    organisation_name: str
    kind: OrganisationKind
    host_city: str | None
    role: MembershipRole
    role_label: str
    joined_on: date

    @model_validator(mode="before")
    @classmethod
    def _label(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = {**data, "role_label": MembershipRole(data["role"]).label}
        return data


class PartyMemberResponse(BaseModel):
    member_id: uuid.UUID
    name: str
    origin_division_code: str = Field(description="党员台账所计的流出地")
    joined_on: date
    probationary: bool = Field(description="入党时是否为预备党员")
    probationary_until: date | None = Field(description="预备期满日期")
    confirmed_on: date | None = Field(description="转正日期")
    awaiting_confirmation: bool = Field(description="预备党员，尚未转正")
    status: PartyStatus
    status_label: str
    status_changed_on: date | None
    memberships: list[MembershipOut] = Field(description="当前所在支部（三重覆盖）")
    version: int

    @model_validator(mode="before")
    @classmethod
    def _derived(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = {
                **data,
                "status_label": PartyStatus(data["status"]).label,
                "awaiting_confirmation": bool(data["probationary"]) and data["confirmed_on"] is None,
            }
        return data


class PartyMemberPage(BaseModel):
    items: list[PartyMemberResponse]
    next_cursor: str | None


class DuesOut(BaseModel):
    month: str
    amount_fen: int
    paid_on: date
    corrected: bool


# org life


class AttendanceIn(_Request):
    member_id: uuid.UUID
    status: AttendanceStatus = Field(description="present 到会 / online 线上参会 / absent 缺席")
    reason: str | None = Field(default=None, max_length=200, description="缺席原因（缺席必填）")


class SessionCreateRequest(_Request):
    organisation_id: uuid.UUID = Field(description="党支部")
    kind: OrgLifeKind
    mode: SessionMode = SessionMode.IN_PERSON
    held_on: date
    topic: str = Field(min_length=1, max_length=200)
    attendance: list[AttendanceIn] = Field(
        default_factory=list, max_length=5000, description="出勤；未列出的支部党员记为缺席"
    )


class SessionPlanRequest(_Request):
    organisation_id: uuid.UUID = Field(description="党支部")
    kind: OrgLifeKind
    mode: SessionMode = SessionMode.IN_PERSON
    starts_at: AwareDatetime = Field(description="计划召开时间（须带时区，如 2026-12-05T09:00:00+08:00），须晚于现在")
    place: str = Field(min_length=1, max_length=100, description="召开地点，线上会议可写会议号")
    topic: str = Field(min_length=1, max_length=200)


class SessionPlanResponse(BaseModel):
    session_id: uuid.UUID
    organisation_id: uuid.UUID
    organisation_name: str
    kind: OrgLifeKind
    kind_label: str
    mode: SessionMode
    starts_at: datetime
    place: str
    topic: str
    planned_by: str


class AttendanceOut(BaseModel):
    member_id: uuid.UUID
    name: str | None
    status: AttendanceStatus
    reason: str | None


class SessionResponse(BaseModel):
    session_id: uuid.UUID
    organisation_id: uuid.UUID
    organisation_name: str
    kind: OrgLifeKind
    kind_label: str
    mode: SessionMode
    held_on: date
    topic: str
    expected: int = Field(description="应到人数")
    attended: int = Field(description="实到人数（含线上）")
    recorded_by: str
    recorded_at: datetime
    attendance: list[AttendanceOut] | None = Field(default=None, description="出勤名单（仅单个查询）")

    @model_validator(mode="before")
    @classmethod
    def _label(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = {**data, "kind_label": OrgLifeKind(data["kind"]).label}
        return data


class SessionPage(BaseModel):
    items: list[SessionResponse]
    next_cursor: str | None


# the party ledger


class LedgerScopeOut(BaseModel):
    organisation_id: uuid.UUID | None
    organisation_name: str | None
    origin: str = Field(description="流出地区划代码前缀")
    month: str
    period_from: str
    period_to: str


class LedgerMembers(BaseModel):
    total: int = Field(description="在册党员（正常 + 停止党籍）")
    normal: int
    probationary: int = Field(description="预备党员（未转正）")
    suspended: int
    transferred_out: int
    deceased: int


class LedgerCoverage(BaseModel):
    """在册党员按所属功能型党组织（流出地/区域/行业）个数."""

    three: int
    two: int
    one: int
    none: int


class LedgerDues(BaseModel):
    month: str
    paid: int = Field(description="已交党员数")
    expected: int = Field(description="应交党员数（正常状态、当月底前已入党）")
    rate: float | None


class LedgerAttendance(BaseModel):
    period_from: str
    period_to: str
    sessions: int
    expected: int
    attended: int
    rate: float | None


class LedgerBranch(BaseModel):
    organisation_id: uuid.UUID
    name: str
    kind: OrganisationKind
    division_code: str
    host_city: str | None
    members: int
    origin: int
    region: int
    industry: int
    sessions: int
    attendance_expected: int
    attended: int
    attendance_rate: float | None
    dues_expected: int = Field(description="应交党员数（本支部为流出地党组织的正常党员）")
    dues_paid: int
    dues_rate: float | None


class LedgerBranches(BaseModel):
    total: int
    items: list[LedgerBranch]
    next_cursor: str | None


class LostMember(BaseModel):
    member_id: uuid.UUID
    name: str
    origin_division_code: str
    current_city: str
    employer: str | None
    last_contact_at: datetime | None
    party_status: PartyStatus


class LedgerLost(BaseModel):
    total: int
    items: list[LostMember]


class PartyLedgerResponse(BaseModel):
    scope: LedgerScopeOut
    members: LedgerMembers
    coverage: LedgerCoverage
    dues: LedgerDues
    attendance: LedgerAttendance
    branches: LedgerBranches
    lost_members: LedgerLost
