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
from kite_notify.application.broadcasts import Progress, broadcast_progress, cancel_broadcast, schedule_broadcast
from kite_notify.domain.templates import TemplateText

router = APIRouter(prefix="/broadcasts", tags=["broadcasts"])

Notifier = Annotated[Principal, Depends(require_roles(Role.NOTIFIER))]
Reader = Annotated[Principal, Depends(require_roles(Role.NOTIFIER, Role.VIEWER))]


class Text(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=2000, description="可用 {name}（收件人姓名）")


class ScheduleBroadcastRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    division_code_prefix: str | None = Field(
        default=None, max_length=12, description="村、乡、县、市、省的区划代码（前缀）；与 organisation_id 二选一"
    )
    organisation_id: uuid.UUID | None = Field(default=None, description="发给该组织及其下级组织的成员")
    party_members_only: bool = Field(default=False, description="只发给党员")
    texts: dict[str, Text] = Field(min_length=1, max_length=3, description="语言 → 标题和正文；须有 zh-Hans")
    send_at: datetime | None = Field(default=None, description="定时发送；缺省为立即")


class BroadcastResponse(BaseModel):
    broadcast_id: uuid.UUID
    division_code_prefix: str
    organisation_id: uuid.UUID | None
    party_members_only: bool
    texts: dict[str, Text]
    send_at: datetime
    status: str = Field(description="scheduled / sending / completed / cancelled")
    sent: int = Field(description="已送达收件箱")
    delivered: int = Field(description="站内消息送达即为 sent")
    failed: int
    read: int
    opted_out: int = Field(description="已退订群发而未发送")
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
        party_members_only=r["party_members_only"],
        texts={lang: Text(title=t.title, body=t.body) for lang, t in texts_of(r).items()},
        send_at=r["send_at"],
        status=r["status"],
        sent=r["sent"],
        delivered=r["sent"],
        failed=0,
        read=p.read,
        opted_out=r["opted_out"],
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
    )
    response.headers["Location"] = f"/broadcasts/{broadcast_id}"
    return _response(await broadcast_progress(runtime, principal, broadcast_id))


@router.get("/{broadcast_id}", response_model=BroadcastResponse, summary="群发进度和结果")
async def progress(broadcast_id: uuid.UUID, principal: Reader, runtime: Runtime) -> BroadcastResponse:
    return _response(await broadcast_progress(runtime, principal, broadcast_id))


@router.post("/{broadcast_id}/cancel", response_model=BroadcastResponse, summary="取消群发（已发出的保留）")
async def cancel(broadcast_id: uuid.UUID, principal: Notifier, runtime: Runtime) -> BroadcastResponse:
    await cancel_broadcast(runtime.unit_of_work(), principal, broadcast_id, utcnow())
    return _response(await broadcast_progress(runtime, principal, broadcast_id))
