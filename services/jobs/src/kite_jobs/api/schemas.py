"""HTTP request and response bodies of the jobs API."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

DIVISION = r"^[0-9]{12}$"


class RegisterEmployerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100, description="单位名称")
    unified_social_credit_code: str | None = Field(default=None, max_length=18, description="统一社会信用代码（18位）")
    city: str = Field(min_length=1, max_length=50, description="所在城市")
    area_division_code: str = Field(pattern=DIVISION, description="所在地 12 位统计用区划代码")
    contact_name: str | None = Field(default=None, max_length=50, description="联系人")


class EmployerResponse(BaseModel):
    employer_id: uuid.UUID
    name: str
    unified_social_credit_code: str | None
    city: str
    area_division_code: str
    contact_name: str | None
    registered_at: datetime
    version: int


class OpenPostingRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    employer_id: uuid.UUID = Field(description="用人单位")
    title: str = Field(min_length=1, max_length=100, description="岗位名称")
    city: str = Field(min_length=1, max_length=50, description="工作城市")
    skills_required: list[str] = Field(min_length=1, max_length=30, description="技能要求")
    headcount: int = Field(ge=1, le=100_000, description="招聘人数")
    wage_min: int = Field(ge=0, le=1_000_000, description="月薪下限（元/月）")
    wage_max: int = Field(ge=0, le=1_000_000, description="月薪上限（元/月）")
    area_division_code: str = Field(pattern=DIVISION, description="工作地 12 位统计用区划代码")


class PostingResponse(BaseModel):
    posting_id: uuid.UUID
    employer_id: uuid.UUID
    employer_name: str
    title: str
    city: str
    skills_required: list[str]
    headcount: int
    wage_min: int
    wage_max: int
    area_division_code: str
    matched_count: int
    opened_at: datetime
    version: int


class PostingPage(BaseModel):
    items: list[PostingResponse]
    next_cursor: str | None


class MatchResponse(BaseModel):
    posting_id: uuid.UUID
    member_id: uuid.UUID
    member_name: str | None = None
    matched_skills: list[str]
    score: float
    member_origin_division_code: str


class MatchResult(BaseModel):
    items: list[MatchResponse] = Field(description="本次新匹配的人员，按匹配度从高到低")


class MatchPage(BaseModel):
    items: list[MatchResponse]
    next_cursor: str | None
