"""HTTP request and response bodies of the roster API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from kite_roster.members.domain.member import ContactStatus, MemberStatus, holds_personal_number
from kite_roster.members.domain.member_events import ContactChannel, DeregistrationReason
from kite_roster.shared.divisions import division_problem

Skill = Annotated[str, Field(min_length=1, max_length=30)]
Language = Annotated[str, Field(min_length=1, max_length=20, description="如 普通话、藏语、彝语、苗语")]
Industry = Annotated[str, Field(min_length=1, max_length=30, description="行业，如 制造业、建筑业")]
Disability = Annotated[str, Field(min_length=1, max_length=50, description="残疾类别和等级，如 肢体残疾四级")]
Note = Annotated[str, Field(max_length=200, description="备注（不得填写手机号或身份证号）")]
PHONE_PATTERN = r"^1[0-9]{10}$"


def _no_personal_number(note: str | None) -> str | None:
    if note is not None and holds_personal_number(note):
        raise ValueError("备注中不能填写手机号或身份证号")
    return note


class RegisterMemberRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=50, description="姓名")
    id_number: str = Field(min_length=18, max_length=18, description="身份证号 (GB 11643)")
    phone: str = Field(pattern=PHONE_PATTERN, description="手机号")
    gender: Literal["male", "female"] | None = Field(default=None, description="性别；缺省时取自身份证号")
    origin_division_code: str = Field(description="户籍地 12 位统计用区划代码")
    current_city: str = Field(min_length=1, max_length=50, description="务工地城市")
    employer: str | None = Field(default=None, max_length=100, description="工作单位")
    is_party_member: bool = Field(default=False, description="是否党员")
    skills: list[Skill] = Field(default_factory=list, max_length=30, description="技能")
    industry: Industry | None = None
    languages: list[Language] = Field(default_factory=list, max_length=10, description="掌握的语言")
    disability: Disability | None = None
    union_member: bool = Field(default=False, description="是否工会会员")

    @field_validator("origin_division_code")
    @classmethod
    def _division(cls, v: str) -> str:
        problem = division_problem(v)
        if problem:
            raise ValueError(f"户籍地{problem}")
        return v


class EditMemberRequest(BaseModel):
    """Only the fields sent are changed; `disability` or `industry` null clears it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=50, description="姓名")
    phone: str | None = Field(default=None, pattern=PHONE_PATTERN, description="手机号")
    skills: list[Skill] | None = Field(default=None, max_length=30)
    languages: list[Language] | None = Field(default=None, max_length=10)
    disability: Disability | None = None
    union_member: bool | None = None
    industry: Industry | None = None

    @field_validator("name", "phone", "skills", "languages", "union_member")
    @classmethod
    def _not_null(cls, v: Any) -> Any:
        if v is None:
            raise ValueError("不能为空")
        return v

    @model_validator(mode="after")
    def _something(self) -> EditMemberRequest:
        if not self.model_fields_set:
            raise ValueError("请至少填写一项要修改的内容")
        return self


class RelocationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    current_city: str = Field(min_length=1, max_length=50, description="新的务工地城市")
    employer: str | None = Field(default=None, max_length=100, description="新的工作单位（无则留空）")
    industry: Industry | None = Field(default=None, description="新的行业；不填则不变")
    moved_on: date = Field(description="迁移日期")


class DeregistrationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: DeregistrationReason = Field(
        description="returned-home 返乡 | deceased 去世 | moved-away 迁出 | other 其他"
    )
    note: Note | None = None

    @field_validator("note")
    @classmethod
    def _note(cls, v: str | None) -> str | None:
        return _no_personal_number(v)

    @model_validator(mode="after")
    def _other_needs_note(self) -> DeregistrationRequest:
        if self.reason == "other" and not self.note:
            raise ValueError("注销原因为“其他”时请填写备注")
        return self


class ContactRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    channel: ContactChannel = Field(description="phone 电话 | wechat 微信 | visit 走访 | other 其他")
    note: Note | None = None
    contacted_at: AwareDatetime | None = Field(default=None, description="联系时间（带时区）；缺省为现在")

    @field_validator("note")
    @classmethod
    def _note(cls, v: str | None) -> str | None:
        return _no_personal_number(v)


class MemberResponse(BaseModel):
    member_id: uuid.UUID
    name: str
    gender: str
    birth_year: int
    id_number: str = Field(description="脱敏显示")
    phone: str = Field(description="脱敏显示")
    origin_division_code: str
    current_city: str
    employer: str | None
    industry: str | None
    is_party_member: bool
    skills: list[str]
    languages: list[str]
    disability: str | None
    union_member: bool
    status: MemberStatus = Field(description="active 在册 | deregistered 已注销")
    deregistered_reason: DeregistrationReason | None
    deregistered_at: datetime | None
    contact_status: ContactStatus = Field(description="in-contact 联系正常 | lost 失联")
    last_contact_at: datetime | None
    contact_lost_at: datetime | None
    household_id: uuid.UUID | None
    registered_at: datetime
    version: int = Field(description="当前版本；修改时可在 If-Match 中带回以防覆盖他人的修改")


class MemberPage(BaseModel):
    items: list[MemberResponse]
    next_cursor: str | None


class MovementResponse(BaseModel):
    version: int
    moved_on: date
    from_city: str
    from_employer: str | None
    from_industry: str | None
    to_city: str
    to_employer: str | None
    to_industry: str | None
    recorded_at: datetime
    recorded_by: str


class MovementList(BaseModel):
    items: list[MovementResponse]


class HistoryEntry(BaseModel):
    version: int
    type: str
    occurred_at: datetime
    data: dict[str, Any]


class MemberHistory(BaseModel):
    items: list[HistoryEntry] = Field(description="该人员的全部事件，按时间先后")
