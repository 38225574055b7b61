"""HTTP bodies of the template API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

Placeholder = str


class SaveTemplateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200, description="标题，可用 {占位符}")
    body: str = Field(min_length=1, max_length=2000, description="正文，可用 {占位符}；字面花括号写作 {{ 和 }}")
    placeholders: list[str] = Field(default_factory=list, max_length=20, description="模板用到的占位符，须事先声明")


class PreviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=200, description="草稿标题；缺省时预览在用的模板")
    body: str | None = Field(default=None, min_length=1, max_length=2000, description="草稿正文")
    placeholders: list[str] | None = Field(default=None, max_length=20)
    values: dict[str, str] = Field(default_factory=dict, max_length=20, description="占位符的示例值；缺省用样例")


class TemplateResponse(BaseModel):
    kind: str
    channel: str
    language: str
    version: int
    title: str
    body: str
    placeholders: list[str]
    saved_by: str
    saved_at: datetime
    division_code: str = Field(default="", description="空为省级默认模板；否则为该地的本地模板")


class TemplateList(BaseModel):
    items: list[TemplateResponse]


class KindResponse(BaseModel):
    kind: str
    label: str
    placeholders: dict[str, str] = Field(description="占位符 → 含义")


class KindList(BaseModel):
    items: list[KindResponse]


class PreviewResponse(BaseModel):
    title: str
    body: str
    language: str = Field(description="实际使用的模板语言：缺少译文时为 zh-Hans")
    channel: str = Field(description="实际使用的模板渠道：该渠道没有模板时为 in_app")
    version: int | None = Field(description="所用模板的版本；预览草稿时为空")
    division_code: str = Field(default="", description="所用模板属于哪里：空为省级默认模板")
