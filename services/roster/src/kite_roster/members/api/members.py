"""/members: register, get, search, edit, relocate, deregister, contact; movements and history."""

from __future__ import annotations

import uuid
from datetime import timedelta, timezone
from typing import Annotated

import asyncpg
from fastapi import APIRouter, Depends, Query, Response
from kite_common.auth import Principal, Role, require_roles
from kite_common.clock import utcnow
from kite_common.http.app import RuntimeDep as Runtime
from kite_common.http.preconditions import IfMatch, set_etag
from kite_common.runtime import ServiceRuntime

from kite_roster.members.adapters.pii_vault import PiiVault
from kite_roster.members.api.member_search import SearchFilter, SortParam
from kite_roster.members.api.pii import pii_vault
from kite_roster.members.api.schemas import (
    ContactRequest,
    DeregistrationRequest,
    EditMemberRequest,
    HistoryEntry,
    MemberHistory,
    MemberPage,
    MemberResponse,
    MovementList,
    MovementResponse,
    RegisterMemberRequest,
    RelocationRequest,
)
from kite_roster.members.application.deregister_member import deregister_member
from kite_roster.members.application.edit_member import edit_member
from kite_roster.members.application.member_queries import (
    get_member,
    list_members,
    member_history,
    member_movements,
)
from kite_roster.members.application.record_contact import record_contact
from kite_roster.members.application.register_member import RegisteredMember, register_member
from kite_roster.members.application.relocate_member import relocate_member
from kite_roster.members.domain.member import MemberEdit, Registration, Relocation

router = APIRouter(prefix="/members", tags=["members"])

Reader = Annotated[Principal, Depends(require_roles(Role.REGISTRAR, Role.VIEWER, Role.CASEWORKER, Role.PARTY_AFFAIRS))]
Writer = Annotated[Principal, Depends(require_roles(Role.REGISTRAR))]
CHINA = timezone(timedelta(hours=8))  # no daylight saving: a fixed offset is exact
WRITE_RESPONSES: dict[int | str, dict[str, str]] = {
    403: {"description": "不在管辖范围内"},
    404: {"description": "未找到该人员"},
    409: {"description": "该人员已注销，或被同时修改"},
    412: {"description": "If-Match 版本已过期"},
}


Vault = Annotated[PiiVault, Depends(pii_vault)]


def _to_response(row: asyncpg.Record) -> MemberResponse:
    return MemberResponse.model_validate(dict(row))


def registered_response(done: RegisteredMember) -> MemberResponse:
    """A new member as the read model holds it: the member-registered event's fields (as the member
    projection copies them), the masked numbers, and the defaults of a new row."""
    data = done.event.data
    return MemberResponse(
        member_id=done.member.member_id,
        name=data["name"],
        gender=data["gender"],
        birth_year=data["birth_year"],
        id_number=done.numbers.id_number_masked,
        phone=done.numbers.phone_masked,
        origin_division_code=data["origin_division_code"],
        current_city=data["current_city"],
        employer=data.get("employer"),
        industry=data.get("industry"),
        is_party_member=data["is_party_member"],
        skills=data["skills"],
        languages=data.get("languages") or [],
        disability=data.get("disability"),
        union_member=data.get("union_member", False),
        status="active",
        deregistered_reason=None,
        deregistered_at=None,
        contact_status="in-contact",
        last_contact_at=None,
        contact_lost_at=None,
        household_id=None,
        registered_at=done.event.time,
        version=done.event.stream_version,
    )


async def _member_response(
    runtime: ServiceRuntime, principal: Principal, member_id: uuid.UUID, response: Response
) -> MemberResponse:
    async with runtime.pool.acquire() as conn:
        row = await get_member(conn, principal, member_id)
    set_etag(response, row["version"])
    return _to_response(row)


@router.post("", status_code=201, response_model=MemberResponse, summary="登记人员")
async def register(
    body: RegisterMemberRequest, principal: Writer, runtime: Runtime, response: Response, vault: Vault
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
        industry=body.industry,
        languages=tuple(body.languages),
        disability=body.disability,
        union_member=body.union_member,
    )
    done = await register_member(runtime.unit_of_work(), vault, principal, reg)
    response.headers["Location"] = f"/members/{done.member.member_id}"
    # Answered from what the command wrote (the row the projection made of this event), not read back
    # on a second connection behind newer requests.
    set_etag(response, done.event.stream_version)
    return registered_response(done)


@router.get("/{member_id}", response_model=MemberResponse, summary="查看人员")
async def get_one(member_id: uuid.UUID, principal: Reader, runtime: Runtime, response: Response) -> MemberResponse:
    return await _member_response(runtime, principal, member_id, response)


@router.patch("/{member_id}", response_model=MemberResponse, summary="修改人员信息", responses=WRITE_RESPONSES)
async def edit(
    member_id: uuid.UUID,
    body: EditMemberRequest,
    principal: Writer,
    runtime: Runtime,
    response: Response,
    vault: Vault,
    if_match: IfMatch,
) -> MemberResponse:
    given = body.model_fields_set - {"phone"}
    change = MemberEdit(
        given=frozenset(given),  # type: ignore[arg-type]  # the request's fields are the editable ones
        name=body.name,
        skills=tuple(body.skills or ()),
        languages=tuple(body.languages or ()),
        disability=body.disability,
        union_member=bool(body.union_member),
        industry=body.industry,
    )
    await edit_member(runtime.unit_of_work(), vault, principal, member_id, change, body.phone, if_match)
    return await _member_response(runtime, principal, member_id, response)


@router.post(
    "/{member_id}/deregistration", response_model=MemberResponse, summary="注销人员", responses=WRITE_RESPONSES
)
async def deregister(
    member_id: uuid.UUID,
    body: DeregistrationRequest,
    principal: Writer,
    runtime: Runtime,
    response: Response,
    if_match: IfMatch,
) -> MemberResponse:
    await deregister_member(runtime.unit_of_work(), principal, member_id, body.reason, body.note, if_match)
    return await _member_response(runtime, principal, member_id, response)


@router.post(
    "/{member_id}/relocations",
    status_code=201,
    response_model=MemberResponse,
    summary="登记务工地或工作单位变动",
    responses=WRITE_RESPONSES,
)
async def relocate(
    member_id: uuid.UUID,
    body: RelocationRequest,
    principal: Writer,
    runtime: Runtime,
    response: Response,
    if_match: IfMatch,
) -> MemberResponse:
    relocation = Relocation(body.current_city, body.employer, body.moved_on, body.industry)
    today = utcnow().astimezone(CHINA).date()
    await relocate_member(runtime.unit_of_work(), principal, member_id, relocation, today, if_match)
    response.headers["Location"] = f"/members/{member_id}/movements"
    return await _member_response(runtime, principal, member_id, response)


@router.get("/{member_id}/movements", response_model=MovementList, summary="务工地变动记录")
async def movements(member_id: uuid.UUID, principal: Reader, runtime: Runtime) -> MovementList:
    async with runtime.pool.acquire() as conn:
        rows = await member_movements(conn, principal, member_id)
    return MovementList(items=[MovementResponse.model_validate(dict(r)) for r in rows])


@router.post(
    "/{member_id}/contacts",
    status_code=201,
    response_model=MemberResponse,
    summary="登记联系（失联人员由此恢复联系）",
    responses=WRITE_RESPONSES,
)
async def contact(
    member_id: uuid.UUID, body: ContactRequest, principal: Writer, runtime: Runtime, response: Response
) -> MemberResponse:
    now = utcnow()
    await record_contact(
        runtime.unit_of_work(), principal, member_id, body.channel, body.contacted_at or now, body.note, now
    )
    return await _member_response(runtime, principal, member_id, response)


@router.get("/{member_id}/history", response_model=MemberHistory, summary="人员变动历史（事件）")
async def history(member_id: uuid.UUID, principal: Reader, runtime: Runtime) -> MemberHistory:
    async with runtime.pool.acquire() as conn:
        rows = await member_history(conn, principal, member_id)
    return MemberHistory(items=[HistoryEntry.model_validate(dict(r)) for r in rows])


@router.get("", response_model=MemberPage, summary="查询人员")
async def search(
    principal: Reader,
    runtime: Runtime,
    f: SearchFilter,
    sort: SortParam = "registered",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> MemberPage:
    async with runtime.pool.acquire() as conn:
        rows, next_cursor = await list_members(conn, principal, f, limit, cursor, sort)
    return MemberPage(items=[_to_response(r) for r in rows], next_cursor=next_cursor)
