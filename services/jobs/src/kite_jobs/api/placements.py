"""/placements: read, list, follow-ups (稳岗回访), leaving; /follow-ups/due; /ledgers/employment."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from fastapi import Response as HttpResponse
from kite_common.clock import utcnow
from kite_common.http.preconditions import IfMatch, set_etag
from kite_common.http.tabular import tabular_response

from kite_jobs.api.deps import Reader, Runtime, Writer
from kite_jobs.api.schemas import (
    DueFollowUp,
    DueFollowUpPage,
    EndPlacementRequest,
    FollowUpResponse,
    Ledger,
    LedgerRow,
    PlacementPage,
    PlacementResponse,
    RecordFollowUpRequest,
)
from kite_jobs.application.employment_ledger import COLUMNS, LedgerLevel, employment_ledger
from kite_jobs.application.placement_queries import (
    follow_ups_of,
    get_placement,
    list_due_follow_ups,
    list_placements,
)
from kite_jobs.application.retention import FollowUp, end_placement, record_follow_up

router = APIRouter(tags=["placements"])


async def placement_response(
    runtime: Runtime, principal: Reader, placement_id: uuid.UUID, response: Response
) -> PlacementResponse:
    async with runtime.pool.acquire() as conn:
        row = await get_placement(conn, principal, placement_id)
        follow_ups = (await follow_ups_of(conn, [placement_id])).get(placement_id, [])
    placement = PlacementResponse.model_validate(
        dict(row) | {"follow_ups": [FollowUpResponse.model_validate(dict(f)) for f in follow_ups]}
    )
    set_etag(response, placement.version)
    return placement


@router.get("/placements/{placement_id}", response_model=PlacementResponse, summary="查看就业记录（含稳岗回访）")
async def get_one(
    placement_id: uuid.UUID, principal: Reader, runtime: Runtime, response: Response
) -> PlacementResponse:
    return await placement_response(runtime, principal, placement_id, response)


@router.get("/placements", response_model=PlacementPage, summary="查询本辖区人员的就业记录")
async def list_(
    principal: Reader,
    runtime: Runtime,
    member_id: Annotated[uuid.UUID | None, Query(description="人员")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> PlacementPage:
    async with runtime.pool.acquire() as conn:
        rows, next_cursor = await list_placements(conn, principal, member_id, limit, cursor)
        follow_ups = await follow_ups_of(conn, [r["placement_id"] for r in rows])
    items = [
        PlacementResponse.model_validate(
            dict(r)
            | {"follow_ups": [FollowUpResponse.model_validate(dict(f)) for f in follow_ups.get(r["placement_id"], [])]}
        )
        for r in rows
    ]
    return PlacementPage(items=items, next_cursor=next_cursor)


@router.post(
    "/placements/{placement_id}/follow-ups",
    response_model=PlacementResponse,
    summary="记录稳岗回访（到岗后第1、3、6个月）",
    description="回访日期不能早于到岗日期，也不能晚于今天；同一个月的回访只记录一次。"
    "填写问题类别（欠薪、工伤、劳动合同纠纷、其他）时，诉求系统据此为该人员登记一件诉求（其他系统转来），"
    "并关联用人单位；同一回访只登记一件。",
)
async def follow_up(
    placement_id: uuid.UUID,
    body: RecordFollowUpRequest,
    principal: Writer,
    runtime: Runtime,
    response: Response,
    if_match: IfMatch,
) -> PlacementResponse:
    f = FollowUp(
        body.month, body.followed_up_on, body.still_employed, body.wage_paid_on_time, body.problems, body.problem_kind
    )
    await record_follow_up(runtime.unit_of_work(), principal, placement_id, f, if_match, utcnow().date())
    return await placement_response(runtime, principal, placement_id, response)


@router.post("/placements/{placement_id}/departure", response_model=PlacementResponse, summary="记录离职")
async def depart(
    placement_id: uuid.UUID,
    body: EndPlacementRequest,
    principal: Writer,
    runtime: Runtime,
    response: Response,
    if_match: IfMatch,
) -> PlacementResponse:
    today = utcnow().date()
    await end_placement(runtime.unit_of_work(), principal, placement_id, body.left_on, body.reason, if_match, today)
    return await placement_response(runtime, principal, placement_id, response)


@router.get("/follow-ups/due", response_model=DueFollowUpPage, summary="待回访清单（本辖区人员，最早到期在前）")
async def due(
    principal: Reader,
    runtime: Runtime,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> DueFollowUpPage:
    async with runtime.pool.acquire() as conn:
        rows, next_cursor = await list_due_follow_ups(conn, principal, limit, cursor)
    return DueFollowUpPage(items=[DueFollowUp.model_validate(dict(r)) for r in rows], next_cursor=next_cursor)


@router.get(
    "/ledgers/employment",
    response_model=Ledger,
    summary="就业台账（按县、乡、村；format=csv/xlsx 时导出）",
    description="安置就业人数、在岗人数、3/6个月回访与仍在岗人数、有人就业的户数（含建档立卡及监测户）。",
)
async def ledger(
    principal: Reader,
    runtime: Runtime,
    level: Annotated[LedgerLevel, Query(description="county 县 / township 乡镇 / village 村")] = LedgerLevel.COUNTY,
    area: Annotated[str | None, Query(pattern=r"^[0-9]{2,12}$", description="区划代码前缀（须在本辖区内）")] = None,
    format: Annotated[Literal["json", "csv", "xlsx"], Query(description="导出格式")] = "json",
) -> Ledger | HttpResponse:
    async with runtime.pool.acquire() as conn:
        rows = await employment_ledger(conn, principal, level, area)
    if format != "json":
        return tabular_response(rows, COLUMNS, format, f"就业台账-{level.value}")
    return Ledger(level=level.value, items=[LedgerRow.model_validate(r) for r in rows])
