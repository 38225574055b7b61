"""/broadcasts: one notice to every member under a division-code prefix, scheduled or now."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from kite_common.auth import Principal, Role, require_roles
from kite_common.clock import utcnow
from kite_common.http.app import RuntimeDep as Runtime
from pydantic import BaseModel, ConfigDict, Field

from kite_notify.adapters.broadcast_store import texts_of
from kite_notify.application.broadcasts import (
    Progress,
    broadcast_progress,
    cancel_broadcast,
    count_audience,
    schedule_broadcast,
)
from kite_notify.domain.templates import TemplateText

router = APIRouter(prefix="/broadcasts", tags=["broadcasts"])

Notifier = Annotated[Principal, Depends(require_roles(Role.NOTIFIER))]
Reader = Annotated[Principal, Depends(require_roles(Role.NOTIFIER, Role.VIEWER))]


class Text(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=2000, description="可用 {name}（收件人姓名）")


class AudienceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    division_code_prefix: str | None = Field(
        default=None,
        max_length=12,
        description="村、乡、县、市、省的区划代码（前缀）；与 organisation_id、fair_id 三选一",
    )
    organisation_id: uuid.UUID | None = Field(default=None, description="发给该组织及其下级组织的成员")
    fair_id: uuid.UUID | None = Field(default=None, description="发给该招聘会邀约的人员")
    party_members_only: bool = Field(default=False, description="只发给党员")
    monitored_households_only: bool = Field(default=False, description="只发给防返贫监测户的成员")
    trades: list[str] = Field(default_factory=list, max_length=20, description="只发给有其中任一技能（工种）的人员")
    channels: list[str] = Field(
        default_factory=lambda: ["in_app"],
        max_length=3,
        description="in_app（总是），可加 sms、email：发给在偏好中选了该渠道并留了号码或地址的人员",
    )


class ScheduleBroadcastRequest(AudienceRequest):
    texts: dict[str, Text] = Field(min_length=1, max_length=3, description="语言 → 标题和正文；须有 zh-Hans")
    send_at: datetime | None = Field(default=None, description="定时发送；缺省为立即")
    robots: bool | None = Field(
        default=None,
        description="向组织群发时，同时向该组织及其下级组织的每个群机器人各发一条（简体中文，{name} 为“各位”）；"
        "缺省时有群机器人即发送。只能与 organisation_id 同用",
    )


class AudienceCountResponse(BaseModel):
    recipients: int = Field(description="符合条件的人数")
    opted_out: int = Field(description="其中已退订群发的人数（不会发送）")
    in_app: int = Field(description="将收到站内消息的人数")
    sms: int = Field(description="其中还将收到短信的人数")
    email: int = Field(description="其中还将收到电子邮件的人数")


class MessageResults(BaseModel):
    created: int = 0
    sending: int = 0
    delivered: int = 0
    temporary_failure: int = Field(default=0, alias="temporary-failure")
    permanent_failure: int = Field(default=0, alias="permanent-failure")
    technical_failure: int = Field(default=0, alias="technical-failure")

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class BroadcastResponse(BaseModel):
    broadcast_id: uuid.UUID
    division_code_prefix: str
    organisation_id: uuid.UUID | None
    fair_id: uuid.UUID | None = None
    party_members_only: bool
    monitored_households_only: bool = False
    trades: list[str] = Field(default_factory=list)
    channels: list[str] = Field(default_factory=lambda: ["in_app"])
    texts: dict[str, Text]
    send_at: datetime
    status: str = Field(description="scheduled / sending / completed / cancelled")
    sent: int = Field(description="已送达收件箱")
    delivered: int = Field(description="站内消息送达即为 sent")
    failed: int
    read: int
    opted_out: int = Field(description="已退订群发而未发送")
    messages_queued: int = Field(default=0, description="已排队的短信和电子邮件")
    robots: bool = Field(default=False, description="是否同时发到组织及其下级组织的群机器人")
    robots_queued: int | None = Field(default=None, description="已排队的群机器人消息（尚未排队时为空）")
    messages: dict[str, MessageResults] = Field(
        default_factory=dict,
        description="短信（sms）、电子邮件（email）、群机器人（robot）各状态的条数（GOV.UK Notify 的状态）",
    )
    batches: int
    created_by: str
    created_at: datetime
    finished_at: datetime | None


def _response(p: Progress) -> BroadcastResponse:
    r = p.row
    return BroadcastResponse(
        broadcast_id=r["broadcast_id"],
        division_code_prefix=r["division_prefix"],
        organisation_id=r["organisation_id"],
        fair_id=r["fair_id"],
        party_members_only=r["party_members_only"],
        monitored_households_only=r["monitored_only"],
        trades=list(r["trades"] or []),
        channels=list(r["channels"]),
        texts={lang: Text(title=t.title, body=t.body) for lang, t in texts_of(r).items()},
        send_at=r["send_at"],
        status=r["status"],
        sent=r["sent"],
        delivered=r["sent"],
        failed=0,
        read=p.read,
        opted_out=r["opted_out"],
        messages_queued=r["messages_queued"],
        robots=r["robots"],
        robots_queued=r["robots_queued"],
        messages={ch: MessageResults.model_validate(states) for ch, states in p.messages.items()},
        batches=r["batches"],
        created_by=r["created_by"],
        created_at=r["created_at"],
        finished_at=r["finished_at"],
    )


@router.post("", status_code=201, response_model=BroadcastResponse, summary="群发通知（定时或立即）")
async def create(
    body: ScheduleBroadcastRequest, principal: Notifier, runtime: Runtime, response: Response
) -> BroadcastResponse:
    texts = {lang: TemplateText(t.title, t.body) for lang, t in body.texts.items()}
    broadcast_id = await schedule_broadcast(
        runtime.unit_of_work(),
        principal,
        body.division_code_prefix,
        body.party_members_only,
        texts,
        body.send_at,
        utcnow(),
        organisation_id=body.organisation_id,
        fair_id=body.fair_id,
        monitored_only=body.monitored_households_only,
        trades=tuple(body.trades),
        channels=tuple(body.channels),
        robots=body.robots,
    )
    response.headers["Location"] = f"/broadcasts/{broadcast_id}"
    return _response(await broadcast_progress(runtime, principal, broadcast_id))


@router.post("/audience", response_model=AudienceCountResponse, summary="群发前统计收件人数")
async def audience(body: AudienceRequest, principal: Reader, runtime: Runtime) -> AudienceCountResponse:
    counted = await count_audience(
        runtime,
        principal,
        body.division_code_prefix,
        body.organisation_id,
        body.fair_id,
        body.party_members_only,
        body.monitored_households_only,
        tuple(body.trades),
        tuple(body.channels),
    )
    return AudienceCountResponse(
        recipients=counted.recipients,
        opted_out=counted.opted_out,
        in_app=counted.recipients - counted.opted_out,
        sms=counted.sms,
        email=counted.email,
    )


@router.get("/{broadcast_id}", response_model=BroadcastResponse, summary="群发进度和结果")
async def progress(broadcast_id: uuid.UUID, principal: Reader, runtime: Runtime) -> BroadcastResponse:
    return _response(await broadcast_progress(runtime, principal, broadcast_id))


@router.post("/{broadcast_id}/cancel", response_model=BroadcastResponse, summary="取消群发（已发出的保留）")
async def cancel(broadcast_id: uuid.UUID, principal: Notifier, runtime: Runtime) -> BroadcastResponse:
    await cancel_broadcast(runtime.unit_of_work(), principal, broadcast_id, utcnow())
    return _response(await broadcast_progress(runtime, principal, broadcast_id))
