"""/postings/{id}/applications: apply, list, decline, hire (a placement)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from kite_common.clock import utcnow

from kite_jobs.api.deps import Reader, Runtime, Writer
from kite_jobs.api.placements import placement_response
from kite_jobs.api.schemas import (
    ApplicationPage,
    ApplicationResponse,
    ApplyRequest,
    DeclineRequest,
    HireRequest,
    PlacementResponse,
)
from kite_jobs.application.applications import Hire, decline_application, hire, submit_application
from kite_jobs.application.placement_queries import list_applications

router = APIRouter(prefix="/postings/{posting_id}/applications", tags=["applications"])


async def _application(
    runtime: Runtime, principal: Reader, posting_id: uuid.UUID, member_id: uuid.UUID
) -> ApplicationResponse:
    async with runtime.pool.acquire() as conn:
        row = await conn.fetchrow(
            """SELECT a.*, m.name AS member_name FROM applications a LEFT JOIN members m USING (member_id)
               WHERE a.posting_id = $1 AND a.member_id = $2""",
            posting_id,
            member_id,
        )
    assert row is not None  # the command that just ran wrote it
    return ApplicationResponse.model_validate(dict(row))


@router.post(
    "",
    status_code=201,
    response_model=ApplicationResponse,
    summary="人员投递岗位",
    description="岗位须在招；人员须在花名册上且户籍地在本辖区；同一人对同一岗位只投递一次。",
)
async def apply(
    posting_id: uuid.UUID, body: ApplyRequest, principal: Writer, runtime: Runtime, response: Response
) -> ApplicationResponse:
    await submit_application(runtime.unit_of_work(), principal, posting_id, body.member_id, utcnow().date())
    response.headers["Location"] = f"/postings/{posting_id}/applications/{body.member_id}"
    return await _application(runtime, principal, posting_id, body.member_id)


@router.get("", response_model=ApplicationPage, summary="查看岗位投递（限本辖区人员）")
async def list_(
    posting_id: uuid.UUID,
    principal: Reader,
    runtime: Runtime,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> ApplicationPage:
    async with runtime.pool.acquire() as conn:
        rows, next_cursor = await list_applications(conn, principal, posting_id, limit, cursor)
    return ApplicationPage(items=[ApplicationResponse.model_validate(dict(r)) for r in rows], next_cursor=next_cursor)


@router.post("/{member_id}/decline", response_model=ApplicationResponse, summary="未录用（须填写原因）")
async def decline(
    posting_id: uuid.UUID, member_id: uuid.UUID, body: DeclineRequest, principal: Writer, runtime: Runtime
) -> ApplicationResponse:
    await decline_application(runtime.unit_of_work(), principal, posting_id, member_id, body.reason)
    return await _application(runtime, principal, posting_id, member_id)


@router.post(
    "/{member_id}/hire",
    status_code=201,
    response_model=PlacementResponse,
    summary="录用（产生就业记录）",
    description="岗位已关闭、已招满，或人员不在本辖区时拒绝；录用后岗位已招人数加一，并按到岗日期安排1、3、6个月稳岗回访。",
)
async def hire_(
    posting_id: uuid.UUID,
    member_id: uuid.UUID,
    body: HireRequest,
    principal: Writer,
    runtime: Runtime,
    response: Response,
) -> PlacementResponse:
    terms = Hire(start_date=body.start_date, wage_fen=body.wage_fen)
    placement_id = await hire(runtime.unit_of_work(), principal, posting_id, member_id, terms, utcnow().date())
    response.headers["Location"] = f"/placements/{placement_id}"
    return await placement_response(runtime, principal, placement_id, response)
