"""Unmasked reads of personal numbers (pii-reader, audited) and the log of them (admin)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from kite_common.auth import Principal, Role, current_principal, require_roles
from kite_common.http.app import RuntimeDep as Runtime
from pydantic import BaseModel, ConfigDict, Field

from kite_roster.members.adapters.pii_audit import AccessFilter
from kite_roster.members.adapters.pii_vault import PiiVault
from kite_roster.members.api.pii import pii_vault
from kite_roster.members.application.unmasked_read import access_log, ensure_may_unmask, reveal_personal_numbers

router = APIRouter(tags=["personal-numbers"])


async def _pii_reader(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    ensure_may_unmask(principal)
    return principal


PiiReader = Annotated[Principal, Depends(_pii_reader)]
Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN))]


class RevealRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=4, max_length=500, description="查看原因（必填，至少4个字），记入查看记录")


class RevealedNumbers(BaseModel):
    member_id: uuid.UUID
    id_number: str = Field(description="完整身份证号")
    phone: str = Field(description="完整手机号")
    access_id: uuid.UUID = Field(description="本次查看记录的编号")
    accessed_at: datetime


class AccessRecord(BaseModel):
    access_id: uuid.UUID
    accessed_at: datetime
    subject: str = Field(description="查看人（令牌主体）")
    subject_name: str = Field(description="查看人姓名")
    member_id: uuid.UUID = Field(description="被查看人员")
    division_code: str = Field(description="被查看人员的户籍地")
    fields: list[str] = Field(description="查看的项目")
    reason: str = Field(description="查看原因")
    request_id: str | None


class AccessPage(BaseModel):
    items: list[AccessRecord]
    next_cursor: str | None


@router.post(
    "/members/{member_id}/personal-numbers:reveal",
    response_model=RevealedNumbers,
    summary="查看完整身份证号和手机号（需 pii-reader 角色，留痕）",
)
async def reveal(
    member_id: uuid.UUID,
    body: RevealRequest,
    principal: PiiReader,
    runtime: Runtime,
    request: Request,
    response: Response,
    vault: Annotated[PiiVault, Depends(pii_vault)],
) -> RevealedNumbers:
    revealed = await reveal_personal_numbers(
        runtime.pool, vault, principal, member_id, body.reason, getattr(request.state, "request_id", None)
    )
    response.headers["Cache-Control"] = "no-store"
    return RevealedNumbers(
        member_id=revealed.member_id,
        id_number=revealed.id_number,
        phone=revealed.phone,
        access_id=revealed.access_id,
        accessed_at=revealed.accessed_at,
    )


@router.get("/pii-access-log", response_model=AccessPage, summary="个人信息查看记录")
async def list_access_log(
    principal: Admin,
    runtime: Runtime,
    member_id: Annotated[uuid.UUID | None, Query(description="被查看人员")] = None,
    subject: Annotated[str | None, Query(max_length=200, description="查看人（令牌主体）")] = None,
    since: Annotated[datetime | None, Query(description="起始时间（含）")] = None,
    until: Annotated[datetime | None, Query(description="截止时间（不含）")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> AccessPage:
    f = AccessFilter(member_id, subject, since, until)
    async with runtime.pool.acquire() as conn:
        rows, next_cursor = await access_log(conn, principal, f, limit, cursor)
    return AccessPage(items=[AccessRecord.model_validate(dict(r)) for r in rows], next_cursor=next_cursor)
