"""HTTP request and response bodies of the roster API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kite_roster.domain.identity import is_division_code


class RegisterMemberRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=50, description="姓名")
    id_number: str = Field(min_length=18, max_length=18, description="身份证号 (GB 11643)")
    phone: str = Field(pattern=r"^1\d{10}$", description="手机号")
    gender: Literal["male", "female"] | None = Field(default=None, description="性别；缺省时取自身份证号")
    origin_division_code: str = Field(description="户籍地 12 位统计用区划代码")
    current_city: str = Field(min_length=1, max_length=50, description="务工地城市")
    employer: str | None = Field(default=None, max_length=100, description="工作单位")
    is_party_member: bool = Field(default=False, description="是否党员")
    skills: list[str] = Field(default_factory=list, max_length=30, description="技能")

    @field_validator("origin_division_code")
    @classmethod
    def _division(cls, v: str) -> str:
        if not is_division_code(v):
            raise ValueError("户籍地应为12位统计用区划代码")
        return v


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
    is_party_member: bool
    skills: list[str]
    registered_at: datetime
    version: int


class MemberPage(BaseModel):
    items: list[MemberResponse]
    next_cursor: str | None
