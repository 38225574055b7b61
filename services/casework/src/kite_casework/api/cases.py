"""/cases: open, get, list, accept."""

from __future__ import annotations

import uuid
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

from kite_casework.api.schemas import CasePage, CaseResponse, OpenCaseRequest
from kite_casework.application.accept_case import accept_case
from kite_casework.application.open_case import open_case
from kite_casework.application.queries import CaseFilter, get_case, list_cases
from kite_casework.domain.case import CaseRequest, CaseStatus
from kite_casework.domain.categories import CaseCategory
from kite_casework.domain.sla import SlaTier, Urgency

router = APIRouter(prefix="/cases", tags=["cases"])

Reader = Annotated[Principal, Depends(require_roles(Role.CASEWORKER, Role.VIEWER))]
Writer = Annotated[Principal, Depends(require_roles(Role.CASEWORKER))]


def _to_response(row: asyncpg.Record, now: datetime) -> CaseResponse:
    category, tier, status = CaseCategory(row["category"]), SlaTier(row["sla_tier"]), CaseStatus(row["status"])
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
        overdue=status.unresolved and row["deadline"] < now,
        version=row["version"],
    )


async def _case_response(
    runtime: ServiceRuntime, principal: Principal, case_id: uuid.UUID, response: Response
) -> CaseResponse:
    async with runtime.pool.acquire() as conn:
        row = await get_case(conn, principal, case_id)
    set_etag(response, row["version"])
    return _to_response(row, utcnow())


@router.post("", status_code=201, response_model=CaseResponse, summary="登记诉求")
async def open_(body: OpenCaseRequest, principal: Writer, runtime: Runtime, response: Response) -> CaseResponse:
    request = CaseRequest(body.member_id, body.category, body.urgency, body.description)
    case_id = await open_case(runtime.unit_of_work(), principal, request, utcnow())
    response.headers["Location"] = f"/cases/{case_id}"
    return await _case_response(runtime, principal, case_id, response)


@router.get("/{case_id}", response_model=CaseResponse, summary="查看诉求")
async def get_one(case_id: uuid.UUID, principal: Reader, runtime: Runtime, response: Response) -> CaseResponse:
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


@router.get("", response_model=CasePage, summary="查询诉求")
async def list_(
    principal: Reader,
    runtime: Runtime,
    status: CaseStatus | None = None,
    category: CaseCategory | None = None,
    member_id: uuid.UUID | None = None,
    accepted_by: Annotated[str | None, Query(max_length=100, description="首问负责人")] = None,
    overdue: Annotated[bool | None, Query(description="true：已超期未办结；false：未超期")] = None,
    due_before: Annotated[datetime | None, Query(description="截止时间早于此时刻的未办结诉求")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> CasePage:
    if due_before is not None and due_before.tzinfo is None:
        raise Problem("due_before 应带时区，如 2025-01-01T08:00:00+08:00", status=422, code="validation")
    now = utcnow()
    f = CaseFilter(status, category, member_id, accepted_by, overdue, due_before)
    async with runtime.pool.acquire() as conn:
        rows, next_cursor = await list_cases(conn, principal, f, limit, cursor, now)
    return CasePage(items=[_to_response(r, now) for r in rows], next_cursor=next_cursor)
