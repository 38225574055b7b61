"""/party-members (party membership, 转正, status, branches, dues) and /org-life-sessions."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from kite_common.auth import Principal, Role, require_roles
from kite_common.clock import utcnow
from kite_common.http.app import RuntimeDep as Runtime
from kite_common.http.preconditions import IfMatch, set_etag
from kite_common.runtime import ServiceRuntime

from kite_roster.party.api.schemas import (
    ConfirmRequest,
    DuesOut,
    DuesRequest,
    JoinBranchRequest,
    LeaveBranchRequest,
    PartyMemberPage,
    PartyMemberResponse,
    RecordPartyMembershipRequest,
    SessionCreateRequest,
    SessionPage,
    SessionPlanRequest,
    SessionPlanResponse,
    SessionResponse,
    StatusChangeRequest,
    TransferBranchRequest,
)
from kite_roster.party.application.change_party_status import change_party_status
from kite_roster.party.application.confirm_party_member import confirm_party_member
from kite_roster.party.application.hold_session import hold_session
from kite_roster.party.application.join_branch import join_branch
from kite_roster.party.application.leave_branch import leave_branch
from kite_roster.party.application.party_queries import (
    PartyMemberFilter,
    get_party_member,
    get_session,
    list_dues,
    list_party_members,
    list_sessions,
)
from kite_roster.party.application.pay_dues import pay_dues
from kite_roster.party.application.plan_session import plan_session
from kite_roster.party.application.record_party_membership import record_party_membership
from kite_roster.party.application.transfer_branch import transfer_branch
from kite_roster.party.domain.party import PlanRequest, SessionRequest
from kite_roster.party.domain.party_events import Attendance, MembershipRole, PartyStatus

router = APIRouter(tags=["party"])

Reader = Annotated[Principal, Depends(require_roles(Role.PARTY_AFFAIRS, Role.VIEWER))]
Writer = Annotated[Principal, Depends(require_roles(Role.PARTY_AFFAIRS))]
_CHANGED: dict[int | str, dict[str, Any]] = {
    412: {"description": "If-Match 版本已过期"},
    409: {"description": "与当前状态冲突"},
}


async def _party_member(
    runtime: ServiceRuntime, principal: Principal, member_id: uuid.UUID, response: Response
) -> PartyMemberResponse:
    async with runtime.pool.acquire() as conn:
        row = await get_party_member(conn, principal, member_id)
    set_etag(response, row["version"])
    return PartyMemberResponse.model_validate(row)


@router.post("/party-members", status_code=201, response_model=PartyMemberResponse, summary="登记党员信息")
async def record(
    body: RecordPartyMembershipRequest, principal: Writer, runtime: Runtime, response: Response
) -> PartyMemberResponse:
    await record_party_membership(runtime.unit_of_work(), principal, body.member_id, body.joined_on, body.probationary)
    response.headers["Location"] = f"/party-members/{body.member_id}"
    return await _party_member(runtime, principal, body.member_id, response)


@router.get("/party-members/{member_id}", response_model=PartyMemberResponse, summary="查看党员信息")
async def get_one(member_id: uuid.UUID, principal: Reader, runtime: Runtime, response: Response) -> PartyMemberResponse:
    return await _party_member(runtime, principal, member_id, response)


@router.get("/party-members", response_model=PartyMemberPage, summary="查询党员")
async def list_(
    principal: Reader,
    runtime: Runtime,
    status: PartyStatus | None = None,
    origin: Annotated[str | None, Query(pattern=r"^[0-9]{1,12}$", description="流出地区划代码前缀")] = None,
    organisation: Annotated[uuid.UUID | None, Query(description="所在支部")] = None,
    confirmation_due_by: Annotated[date | None, Query(description="预备期于此日前届满、尚未转正")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> PartyMemberPage:
    f = PartyMemberFilter(status, origin, organisation, confirmation_due_by)
    async with runtime.pool.acquire() as conn:
        rows, next_cursor = await list_party_members(conn, principal, f, limit, cursor)
    return PartyMemberPage(items=[PartyMemberResponse.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.post(
    "/party-members/{member_id}/confirmation",
    response_model=PartyMemberResponse,
    summary="预备党员转正",
    responses=_CHANGED,
)
async def confirm(
    member_id: uuid.UUID,
    body: ConfirmRequest,
    principal: Writer,
    runtime: Runtime,
    response: Response,
    if_match: IfMatch,
) -> PartyMemberResponse:
    await confirm_party_member(runtime.unit_of_work(), principal, member_id, body.confirmed_on, if_match)
    return await _party_member(runtime, principal, member_id, response)


@router.post(
    "/party-members/{member_id}/status", response_model=PartyMemberResponse, summary="变更党籍状态", responses=_CHANGED
)
async def change_status(
    member_id: uuid.UUID,
    body: StatusChangeRequest,
    principal: Writer,
    runtime: Runtime,
    response: Response,
    if_match: IfMatch,
) -> PartyMemberResponse:
    await change_party_status(
        runtime.unit_of_work(), principal, member_id, body.status, body.changed_on, body.reason, if_match
    )
    return await _party_member(runtime, principal, member_id, response)


@router.post(
    "/party-members/{member_id}/branches",
    response_model=PartyMemberResponse,
    summary="加入支部（流出地/区域/行业）",
    responses=_CHANGED,
)
async def join(
    member_id: uuid.UUID,
    body: JoinBranchRequest,
    principal: Writer,
    runtime: Runtime,
    response: Response,
    if_match: IfMatch,
) -> PartyMemberResponse:
    await join_branch(
        runtime.unit_of_work(), principal, member_id, body.organisation_id, body.role, body.joined_on, if_match
    )
    return await _party_member(runtime, principal, member_id, response)


@router.post(
    "/party-members/{member_id}/branches/{role}/leave",
    response_model=PartyMemberResponse,
    summary="退出支部",
    responses=_CHANGED,
)
async def leave(
    member_id: uuid.UUID,
    role: MembershipRole,
    body: LeaveBranchRequest,
    principal: Writer,
    runtime: Runtime,
    response: Response,
    if_match: IfMatch,
) -> PartyMemberResponse:
    await leave_branch(runtime.unit_of_work(), principal, member_id, role, body.left_on, body.reason, if_match)
    return await _party_member(runtime, principal, member_id, response)


@router.post(
    "/party-members/{member_id}/branches/{role}/transfer",
    response_model=PartyMemberResponse,
    summary="转移支部",
    responses=_CHANGED,
)
async def transfer(
    member_id: uuid.UUID,
    role: MembershipRole,
    body: TransferBranchRequest,
    principal: Writer,
    runtime: Runtime,
    response: Response,
    if_match: IfMatch,
) -> PartyMemberResponse:
    await transfer_branch(
        runtime.unit_of_work(), principal, member_id, role, body.organisation_id, body.transferred_on, if_match
    )
    return await _party_member(runtime, principal, member_id, response)


@router.post("/party-members/{member_id}/dues", response_model=list[DuesOut], summary="登记党费（每月一笔，可更正）")
async def dues(
    member_id: uuid.UUID,
    body: DuesRequest,
    principal: Writer,
    runtime: Runtime,
    response: Response,
    if_match: IfMatch,
) -> list[DuesOut]:
    version = await pay_dues(
        runtime.unit_of_work(),
        principal,
        member_id,
        body.month,
        body.amount_fen,
        body.paid_on,
        body.correction,
        body.note,
        if_match,
    )
    set_etag(response, version)
    async with runtime.pool.acquire() as conn:
        rows = await list_dues(conn, principal, member_id, int(body.month[:4]))
    return [DuesOut.model_validate(dict(r)) for r in rows]


@router.get("/party-members/{member_id}/dues", response_model=list[DuesOut], summary="党费记录")
async def dues_of(
    member_id: uuid.UUID,
    principal: Reader,
    runtime: Runtime,
    year: Annotated[int | None, Query(ge=1921, le=2200)] = None,
) -> list[DuesOut]:
    async with runtime.pool.acquire() as conn:
        rows = await list_dues(conn, principal, member_id, year)
    return [DuesOut.model_validate(dict(r)) for r in rows]


@router.post(
    "/org-life-sessions", status_code=201, response_model=SessionResponse, summary="登记组织生活（三会一课、主题党日）"
)
async def hold(body: SessionCreateRequest, principal: Writer, runtime: Runtime, response: Response) -> SessionResponse:
    request = SessionRequest(
        body.kind,
        body.mode,
        body.held_on,
        body.topic,
        tuple(Attendance(member_id=a.member_id, status=a.status, reason=a.reason) for a in body.attendance),
    )
    session_id = await hold_session(runtime.unit_of_work(), principal, body.organisation_id, request)
    response.headers["Location"] = f"/org-life-sessions/{session_id}"
    async with runtime.pool.acquire() as conn:
        return SessionResponse.model_validate(await get_session(conn, principal, session_id))


@router.post(
    "/org-life-session-plans",
    status_code=201,
    response_model=SessionPlanResponse,
    summary="发布组织生活会前通知（支部党员将收到通知）",
)
async def plan(body: SessionPlanRequest, principal: Writer, runtime: Runtime) -> SessionPlanResponse:
    request = PlanRequest(body.kind, body.mode, body.starts_at, body.place, body.topic)
    planned = await plan_session(runtime.unit_of_work(), principal, body.organisation_id, request, utcnow())
    return SessionPlanResponse.model_validate(planned.model_dump() | {"kind_label": planned.kind.label})


@router.get("/org-life-sessions/{session_id}", response_model=SessionResponse, summary="查看组织生活")
async def session(session_id: uuid.UUID, principal: Reader, runtime: Runtime) -> SessionResponse:
    async with runtime.pool.acquire() as conn:
        return SessionResponse.model_validate(await get_session(conn, principal, session_id))


@router.get("/org-life-sessions", response_model=SessionPage, summary="查询组织生活")
async def sessions(
    principal: Reader,
    runtime: Runtime,
    organisation: uuid.UUID | None = None,
    held_from: date | None = None,
    held_to: date | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> SessionPage:
    async with runtime.pool.acquire() as conn:
        rows, next_cursor = await list_sessions(conn, principal, organisation, held_from, held_to, limit, cursor)
    return SessionPage(items=[SessionResponse.model_validate(dict(r)) for r in rows], next_cursor=next_cursor)
