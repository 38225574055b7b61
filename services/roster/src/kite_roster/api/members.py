"""/members: register, get, list."""

from __future__ import annotations

import uuid
from functools import lru_cache
from typing import Annotated

import asyncpg
from fastapi import APIRouter, Depends, Query, Response
from kite_common.auth import Principal, Role, require_roles
from kite_common.http.app import RuntimeDep as Runtime
from kite_common.privacy import FieldProtector

from kite_roster.adapters.pii_vault import PiiVault
from kite_roster.api.schemas import MemberPage, MemberResponse, RegisterMemberRequest
from kite_roster.application.queries import MemberFilter, get_member, list_members
from kite_roster.application.register_member import register_member
from kite_roster.domain.member import Registration

router = APIRouter(prefix="/members", tags=["members"])

Reader = Annotated[Principal, Depends(require_roles(Role.REGISTRAR, Role.VIEWER, Role.CASEWORKER))]
Writer = Annotated[Principal, Depends(require_roles(Role.REGISTRAR))]


@lru_cache
def pii_vault() -> PiiVault:
    return PiiVault(FieldProtector.from_settings())


def _to_response(row: asyncpg.Record) -> MemberResponse:
    return MemberResponse.model_validate(dict(row))


@router.post("", status_code=201, response_model=MemberResponse, summary="登记人员")
async def register(
    body: RegisterMemberRequest,
    principal: Writer,
    runtime: Runtime,
    response: Response,
    vault: Annotated[PiiVault, Depends(pii_vault)],
) -> MemberResponse:
    reg = Registration(
        name=body.name,
        id_number=body.id_number,
        phone=body.phone,
        gender=body.gender,
        origin_division_code=body.origin_division_code,
        current_city=body.current_city,
        employer=body.employer,
        is_party_member=body.is_party_member,
        skills=tuple(body.skills),
    )
    member = await register_member(runtime, vault, principal, reg)
    async with runtime.pool.acquire() as conn:
        row = await get_member(conn, principal, member.member_id)
    response.headers["Location"] = f"/members/{member.member_id}"
    return _to_response(row)


@router.get("/{member_id}", response_model=MemberResponse, summary="查看人员")
async def get_one(member_id: uuid.UUID, principal: Reader, runtime: Runtime) -> MemberResponse:
    async with runtime.pool.acquire() as conn:
        return _to_response(await get_member(conn, principal, member_id))


@router.get("", response_model=MemberPage, summary="查询人员")
async def list_(
    principal: Reader,
    runtime: Runtime,
    origin: Annotated[str | None, Query(pattern=r"^\d{1,12}$", description="户籍地区划代码前缀")] = None,
    city: Annotated[str | None, Query(max_length=50)] = None,
    employer: Annotated[str | None, Query(max_length=100)] = None,
    party: Annotated[bool | None, Query(description="是否党员")] = None,
    name: Annotated[str | None, Query(max_length=50, description="姓名前缀")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> MemberPage:
    f = MemberFilter(origin, city, employer, party, name)
    async with runtime.pool.acquire() as conn:
        rows, next_cursor = await list_members(conn, principal, f, limit, cursor)
    return MemberPage(items=[_to_response(r) for r in rows], next_cursor=next_cursor)
