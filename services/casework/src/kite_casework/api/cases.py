"""/cases: open, get, list, accept, and the lifecycle after it: progress, resolve, follow-up, close,
transfer (request, accept, decline), suspend, resume, timeline."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Annotated

import asyncpg
from fastapi import APIRouter, Depends, Query, Response
from kite_common.auth import Principal, Role, require_roles
from kite_common.clock import utcnow
from kite_common.http.app import RuntimeDep as Runtime
from kite_common.http.preconditions import IfMatch, set_etag
from kite_common.http.problems import Problem
from kite_common.runtime import ServiceRuntime

from kite_casework.api.intake import IdempotencyKeyHeader, case_request, fingerprint, intake_fields
from kite_casework.api.schemas import (
    CasePage,
    CaseResponse,
    FollowUpRequest,
    OpenCaseRequest,
    ProgressNoteRequest,
    ReasonRequest,
    ResolveRequest,
    Timeline,
    TimelineEntry,
    TransferRequest,
)
from kite_casework.application.accept_case import accept_case
from kite_casework.application.accept_transfer import accept_transfer
from kite_casework.application.add_progress_note import add_progress_note
from kite_casework.application.close_case import close_case
from kite_casework.application.decline_transfer import decline_transfer
from kite_casework.application.escalate_case import escalate_case
from kite_casework.application.queries import CaseFilter, CaseSort, case_timeline, get_case, list_cases
from kite_casework.application.record_follow_up import record_follow_up
from kite_casework.application.request_transfer import request_transfer
from kite_casework.application.resolve_case import resolve_case
from kite_casework.application.resume_case import resume_case
from kite_casework.application.suspend_case import suspend_case
from kite_casework.application.take_in_case import IdempotencyKey, take_in_case
from kite_casework.domain.case import CaseStatus
from kite_casework.domain.categories import CaseCategory
from kite_casework.domain.employer import credit_code
from kite_casework.domain.escalation import AdminLevel
from kite_casework.domain.intake import Channel
from kite_casework.domain.lifecycle import CloseReason, Outcome, Satisfaction
from kite_casework.domain.sla import SlaTier, Urgency

router = APIRouter(prefix="/cases", tags=["cases"])

Reader = Annotated[Principal, Depends(require_roles(Role.CASEWORKER, Role.VIEWER))]
Writer = Annotated[Principal, Depends(require_roles(Role.CASEWORKER))]
# A member (subject = their member id) opens and reads only their own cases.
CaseReader = Annotated[Principal, Depends(require_roles(Role.CASEWORKER, Role.VIEWER, Role.MEMBER))]
Opener = Annotated[Principal, Depends(require_roles(Role.CASEWORKER, Role.MEMBER))]


def _to_response(row: asyncpg.Record, now: datetime) -> CaseResponse:
    category, tier, status = CaseCategory(row["category"]), SlaTier(row["sla_tier"]), CaseStatus(row["status"])
    outcome = Outcome(row["outcome"]) if row["outcome"] else None
    satisfaction = Satisfaction(row["satisfaction"]) if row["satisfaction"] else None
    close_reason = CloseReason(row["close_reason"]) if row["close_reason"] else None
    level = AdminLevel(row["escalation_level"])
    return CaseResponse(
        case_id=row["case_id"],
        member_id=row["member_id"],
        origin_division_code=row["origin_division_code"],
        category=category,
        category_label=category.label,
        urgency=Urgency(row["urgency"]),
        description=row["description"],
        sla_tier=tier,
        sla_tier_label=tier.label,
        opened_at=row["opened_at"],
        deadline=row["deadline"],
        opened_by=row["opened_by"],
        status=status,
        status_label=status.label,
        accepted_by=row["accepted_by"],
        accepted_at=row["accepted_at"],
        overdue=row["clock_deadline"] is not None and row["clock_deadline"] < now,
        progress_count=row["progress_count"],
        pending_transfer_to=row["pending_transfer_to"],
        suspended=row["suspended"],
        suspended_since=row["suspended_since"],
        outcome=outcome,
        outcome_label=outcome.label if outcome else None,
        resolution=row["resolution"],
        resolved_by=row["resolved_by"],
        resolved_at=row["resolved_at"],
        follow_up_attempts=row["follow_up_attempts"],
        satisfaction=satisfaction,
        satisfaction_label=satisfaction.label if satisfaction else None,
        closed_at=row["closed_at"],
        close_reason=close_reason,
        close_reason_label=close_reason.label if close_reason else None,
        escalation_level=level,
        escalation_level_label=level.label,
        supervisor_division_code=row["supervisor_division_code"],
        supervisor_office_id=row["supervisor_office_id"],
        supervisor_office_name=row["supervisor_office_name"],
        version=row["version"],
        **intake_fields(row),
    )


async def _case_response(
    runtime: ServiceRuntime, principal: Principal, case_id: uuid.UUID, response: Response
) -> CaseResponse:
    async with runtime.pool.acquire() as conn:
        row = await get_case(conn, principal, case_id)
    set_etag(response, row["version"])
    return _to_response(row, utcnow())


@router.post(
    "",
    status_code=201,
    response_model=CaseResponse,
    summary="登记诉求（工作人员、本人或其他系统；同一外部编号或同一 Idempotency-Key 只登记一件）",
    responses={
        200: {"description": "重复提交：返回已登记的诉求", "model": CaseResponse},
        400: {"description": "Idempotency-Key 格式不正确"},
    },
)
async def open_(
    body: OpenCaseRequest,
    principal: Opener,
    runtime: Runtime,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> CaseResponse:
    request = case_request(body, principal)
    idempotency = IdempotencyKey(idempotency_key, fingerprint(body)) if idempotency_key else None
    intake = await take_in_case(runtime.unit_of_work(), principal, request, utcnow(), idempotency)
    if not intake.created:
        response.status_code = 200
    response.headers["Location"] = f"/cases/{intake.case_id}"
    return await _case_response(runtime, principal, intake.case_id, response)


@router.get("/{case_id}", response_model=CaseResponse, summary="查看诉求（本人只能查看自己的诉求）")
async def get_one(case_id: uuid.UUID, principal: CaseReader, runtime: Runtime, response: Response) -> CaseResponse:
    return await _case_response(runtime, principal, case_id, response)


@router.post(
    "/{case_id}/accept",
    response_model=CaseResponse,
    summary="受理诉求（首问责任制）",
    responses={409: {"description": "已由他人（或您本人）受理"}, 412: {"description": "If-Match 版本已过期"}},
)
async def accept(
    case_id: uuid.UUID,
    principal: Writer,
    runtime: Runtime,
    response: Response,
    if_match: IfMatch,
) -> CaseResponse:
    await accept_case(runtime.unit_of_work(), principal, case_id, if_match, utcnow())
    return await _case_response(runtime, principal, case_id, response)


@router.post("/{case_id}/progress", response_model=CaseResponse, summary="记录办理进展（仅负责人）")
async def progress(
    case_id: uuid.UUID,
    body: ProgressNoteRequest,
    principal: Writer,
    runtime: Runtime,
    response: Response,
    if_match: IfMatch,
) -> CaseResponse:
    await add_progress_note(runtime.unit_of_work(), principal, case_id, body.note, if_match, utcnow())
    return await _case_response(runtime, principal, case_id, response)


@router.post("/{case_id}/resolve", response_model=CaseResponse, summary="办结（仅负责人）")
async def resolve(
    case_id: uuid.UUID, body: ResolveRequest, principal: Writer, runtime: Runtime, response: Response, if_match: IfMatch
) -> CaseResponse:
    await resolve_case(runtime.unit_of_work(), principal, case_id, body.outcome, body.summary, if_match, utcnow())
    return await _case_response(runtime, principal, case_id, response)


@router.post(
    "/{case_id}/follow-ups",
    response_model=CaseResponse,
    summary="回访（满意、基本满意即结案；不满意退回负责人重新办理）",
)
async def follow_up(
    case_id: uuid.UUID,
    body: FollowUpRequest,
    principal: Writer,
    runtime: Runtime,
    response: Response,
    if_match: IfMatch,
) -> CaseResponse:
    await record_follow_up(
        runtime.unit_of_work(), principal, case_id, body.reached, body.satisfaction, body.comment, if_match, utcnow()
    )
    return await _case_response(runtime, principal, case_id, response)


@router.post(
    "/{case_id}/close",
    response_model=CaseResponse,
    summary="结案（无法联系）：回访多次联系不上后由负责人结案",
    responses={409: {"description": "未经回访不能结案，或诉求尚未办结"}},
)
async def close(
    case_id: uuid.UUID, principal: Writer, runtime: Runtime, response: Response, if_match: IfMatch
) -> CaseResponse:
    await close_case(runtime.unit_of_work(), principal, case_id, if_match, utcnow())
    return await _case_response(runtime, principal, case_id, response)


@router.post("/{case_id}/transfer", response_model=CaseResponse, summary="转办（仅负责人；接收人接收前仍由其负责）")
async def transfer(
    case_id: uuid.UUID,
    body: TransferRequest,
    principal: Writer,
    runtime: Runtime,
    response: Response,
    if_match: IfMatch,
) -> CaseResponse:
    await request_transfer(runtime.unit_of_work(), principal, case_id, body.to, body.reason, if_match, utcnow())
    return await _case_response(runtime, principal, case_id, response)


@router.post("/{case_id}/transfer/accept", response_model=CaseResponse, summary="接收转办（仅接收人）")
async def transfer_accept(
    case_id: uuid.UUID, principal: Writer, runtime: Runtime, response: Response, if_match: IfMatch
) -> CaseResponse:
    await accept_transfer(runtime.unit_of_work(), principal, case_id, if_match, utcnow())
    return await _case_response(runtime, principal, case_id, response)


@router.post("/{case_id}/transfer/decline", response_model=CaseResponse, summary="拒绝转办（仅接收人）")
async def transfer_decline(
    case_id: uuid.UUID, body: ReasonRequest, principal: Writer, runtime: Runtime, response: Response, if_match: IfMatch
) -> CaseResponse:
    await decline_transfer(runtime.unit_of_work(), principal, case_id, body.reason, if_match, utcnow())
    return await _case_response(runtime, principal, case_id, response)


@router.post("/{case_id}/suspend", response_model=CaseResponse, summary="暂停办理（停止计时，仅负责人）")
async def suspend(
    case_id: uuid.UUID, body: ReasonRequest, principal: Writer, runtime: Runtime, response: Response, if_match: IfMatch
) -> CaseResponse:
    await suspend_case(runtime.unit_of_work(), principal, case_id, body.reason, if_match, utcnow())
    return await _case_response(runtime, principal, case_id, response)


@router.post("/{case_id}/resume", response_model=CaseResponse, summary="恢复办理（截止时间顺延暂停时长）")
async def resume(
    case_id: uuid.UUID, principal: Writer, runtime: Runtime, response: Response, if_match: IfMatch
) -> CaseResponse:
    await resume_case(runtime.unit_of_work(), principal, case_id, if_match, utcnow())
    return await _case_response(runtime, principal, case_id, response)


@router.get("/{case_id}/timeline", response_model=Timeline, summary="办理经过（每一步：谁、何时、做了什么）")
async def timeline(case_id: uuid.UUID, principal: CaseReader, runtime: Runtime) -> Timeline:
    async with runtime.pool.acquire() as conn:
        rows = await case_timeline(conn, principal, case_id)
    return Timeline(case_id=case_id, entries=[TimelineEntry(**dict(r)) for r in rows])


@router.get("", response_model=CasePage, summary="查询诉求（本人只能查到自己的诉求）")
async def list_(
    principal: CaseReader,
    runtime: Runtime,
    status: CaseStatus | None = None,
    category: CaseCategory | None = None,
    member_id: uuid.UUID | None = None,
    accepted_by: Annotated[str | None, Query(max_length=100, description="首问负责人")] = None,
    overdue: Annotated[bool | None, Query(description="true：已超期未办结；false：未超期")] = None,
    due_before: Annotated[datetime | None, Query(description="截止时间早于此时刻的未办结诉求")] = None,
    suspended: Annotated[bool | None, Query(description="true：暂停办理中；false：未暂停")] = None,
    sort: Annotated[
        CaseSort, Query(description="case_id：登记顺序；deadline：按截止时间排队（超期在前，暂停、已办结在后）")
    ] = CaseSort.CASE_ID,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    employer_credit_code: Annotated[str | None, Query(max_length=40, description="用人单位统一社会信用代码")] = None,
    employer_id: Annotated[uuid.UUID | None, Query(description="用人单位编号")] = None,
    channel: Annotated[Channel | None, Query(description="受理渠道")] = None,
) -> CasePage:
    if due_before is not None and due_before.tzinfo is None:
        raise Problem("due_before 应带时区，如 2025-01-01T08:00:00+08:00", status=422, code="validation")
    now = utcnow()
    f = CaseFilter(status, category, member_id, accepted_by, overdue, due_before, suspended, sort)
    if employer_credit_code is not None or employer_id is not None or channel is not None:
        code = credit_code(employer_credit_code, "employer_credit_code") if employer_credit_code else None
        f = replace(f, employer_credit_code=code, employer_id=employer_id, channel=channel)
    async with runtime.pool.acquire() as conn:
        rows, next_cursor = await list_cases(conn, principal, f, limit, cursor, now)
    return CasePage(items=[_to_response(r, now) for r in rows], next_cursor=next_cursor)


@router.post(
    "/{case_id}/escalate",
    response_model=CaseResponse,
    summary="上报督办（四级联动）：上报至上一级督办单位，并按该级重新计时",
    responses={409: {"description": "诉求已办结、已暂停，或上级没有督办单位"}},
)
async def escalate(
    case_id: uuid.UUID, body: ReasonRequest, principal: Writer, runtime: Runtime, response: Response, if_match: IfMatch
) -> CaseResponse:
    await escalate_case(runtime.unit_of_work(), principal, case_id, body.reason, if_match, utcnow())
    return await _case_response(runtime, principal, case_id, response)
