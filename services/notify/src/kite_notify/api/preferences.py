"""/members/{member_id}/preferences: how, when and in which language a member hears from Kite."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from kite_common.auth import Principal, current_principal
from kite_common.clock import utcnow
from kite_common.http.app import RuntimeDep as Runtime
from kite_common.privacy import FieldProtector
from pydantic import BaseModel, ConfigDict, Field

from kite_notify.adapters.pii import field_protector
from kite_notify.application.preferences import Shown, get_preferences, set_preferences
from kite_notify.domain.preferences import TIMEZONE, Preferences, QuietHours, parse_time

router = APIRouter(prefix="/members/{member_id}/preferences", tags=["preferences"])

Caller = Annotated[Principal, Depends(current_principal)]
Protector = Annotated[FieldProtector, Depends(field_protector)]


class QuietHoursBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: str = Field(max_length=10, description="开始时间 HH:MM（当地时间）", examples=["22:00"])
    end: str = Field(max_length=10, description="结束时间 HH:MM", examples=["07:00"])
    timezone: str = Field(default=TIMEZONE, max_length=40)


class SetPreferencesRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    channels: list[str] = Field(min_length=1, max_length=3, description="按偏好排序：in_app、sms、email")
    language: str | None = Field(default=None, max_length=10, description="zh-Hans、bo、ii；为空时按所讲语言")
    quiet_hours: QuietHoursBody | None = Field(description="免打扰时段；为空表示不设（紧急诉求通知不受限）")
    broadcasts: bool = Field(default=True, description="是否接收群发通知（本人诉求的通知不能退订）")
    phone_number: str | None = Field(default=None, max_length=20, description="手机号；省略则保留原值，空串删除")
    email_address: str | None = Field(default=None, max_length=254, description="电子邮件；省略则保留，空串删除")


class QuietHoursResponse(BaseModel):
    start: str
    end: str
    timezone: str


class PreferencesResponse(BaseModel):
    channels: list[str]
    language: str | None
    quiet_hours: QuietHoursResponse | None
    broadcasts: bool
    phone_number: str | None = Field(description="脱敏")
    email_address: str | None = Field(description="脱敏")
    set_by: str | None
    updated_at: datetime | None


def _response(s: Shown) -> PreferencesResponse:
    p = s.preferences
    quiet = (
        QuietHoursResponse(
            start=p.quiet.start.strftime("%H:%M"), end=p.quiet.end.strftime("%H:%M"), timezone=p.quiet.timezone
        )
        if p.quiet
        else None
    )
    return PreferencesResponse(
        channels=list(p.channels),
        language=p.language,
        quiet_hours=quiet,
        broadcasts=p.broadcasts,
        phone_number=s.phone,
        email_address=s.email,
        set_by=s.set_by,
        updated_at=s.updated_at,
    )


@router.get("", response_model=PreferencesResponse, summary="查看通知设置")
async def read(member_id: uuid.UUID, principal: Caller, runtime: Runtime, protector: Protector) -> PreferencesResponse:
    return _response(await get_preferences(runtime, principal, protector, member_id))


@router.put("", response_model=PreferencesResponse, summary="设置通知偏好（本人或工作人员代为设置）")
async def write(
    member_id: uuid.UUID, body: SetPreferencesRequest, principal: Caller, runtime: Runtime, protector: Protector
) -> PreferencesResponse:
    quiet = None
    if body.quiet_hours is not None:
        q = body.quiet_hours
        quiet = QuietHours(parse_time(q.start, "quiet_hours.start"), parse_time(q.end, "quiet_hours.end"), q.timezone)
    wanted = Preferences(tuple(body.channels), body.language, quiet, body.broadcasts)
    shown = await set_preferences(
        runtime.unit_of_work(), principal, protector, member_id, wanted, body.phone_number, body.email_address, utcnow()
    )
    return _response(shown)
