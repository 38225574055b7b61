"""/fairs: job fairs (专场招聘) — organise, employers and postings, registration, check-in, offers,
results; /ledgers/fairs: every fair's results row (CSV/XLSX)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from kite_common.clock import utcnow
from kite_common.http.preconditions import set_etag
from kite_common.http.tabular import tabular_response

from kite_jobs.api.deps import Reader, Runtime, Writer
from kite_jobs.api.schemas import (
    FairAttendee,
    FairAttendeePage,
    FairEmployer,
    FairEmployerPage,
    FairLedger,
    FairMemberRequest,
    FairOfferRequest,
    FairPosting,
    FairPostingPage,
    FairRegisterRequest,
    FairResponse,
    JoinFairRequest,
    OrganiseFairRequest,
)
from kite_jobs.application.fairs import (
    FAIR_COLUMNS,
    check_in,
    fair_attendees,
    fair_employers,
    fair_postings,
    fair_results,
    fairs_ledger,
    join_fair,
    organise_fair,
    record_offer,
    register_for_fair,
)
from kite_jobs.domain.fair import FairDetails

router = APIRouter(tags=["fairs"])
WithinDays = Annotated[int, Query(ge=0, le=365, description="统计举办日起多少天内的就业")]


async def _one(
    runtime: Runtime, principal: Reader, fair_id: uuid.UUID, response: Response, within_days: int = 30
) -> FairResponse:
    async with runtime.pool.acquire() as conn:
        fair = FairResponse.model_validate(dict(await fair_results(conn, principal, fair_id, within_days)))
    set_etag(response, fair.version)
    return fair


@router.post("/fairs", status_code=201, response_model=FairResponse, summary="登记招聘会（专场招聘）")
async def organise(body: OrganiseFairRequest, principal: Writer, runtime: Runtime, response: Response) -> FairResponse:
    details = FairDetails(body.title, body.organisers, body.held_on, body.online, body.place_division_code)
    fair_id = await organise_fair(runtime.unit_of_work(), principal, details, body.area_division_code, utcnow().date())
    response.headers["Location"] = f"/fairs/{fair_id}"
    return await _one(runtime, principal, fair_id, response)


@router.get("/fairs/{fair_id}", response_model=FairResponse, summary="查看招聘会及其成效")
async def get_one(
    fair_id: uuid.UUID, principal: Reader, runtime: Runtime, response: Response, within_days: WithinDays = 30
) -> FairResponse:
    return await _one(runtime, principal, fair_id, response, within_days)


@router.get(
    "/fairs/{fair_id}/registrations",
    response_model=FairAttendeePage,
    summary="招聘会报名名单（invited=true 仅受邀人员；仅列本辖区人员，不含证件号和手机号）",
    responses={404: {"description": "招聘会不存在或不在本辖区"}, 400: {"description": "分页游标无效"}},
)
async def registrations(
    fair_id: uuid.UUID,
    principal: Reader,
    runtime: Runtime,
    invited: Annotated[bool | None, Query(description="true：受邀人员；false：自行报名人员；不填：全部")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> FairAttendeePage:
    async with runtime.pool.acquire() as conn:
        rows, next_cursor = await fair_attendees(conn, principal, fair_id, invited, limit, cursor)
    return FairAttendeePage(items=[FairAttendee.model_validate(dict(r)) for r in rows], next_cursor=next_cursor)


@router.get(
    "/fairs/{fair_id}/employers",
    response_model=FairEmployerPage,
    summary="参会单位（每个单位携带的岗位数；招聘会须在本辖区，参会单位可来自外地）",
    responses={404: {"description": "招聘会不存在或不在本辖区"}, 400: {"description": "分页游标无效"}},
)
async def employers(
    fair_id: uuid.UUID,
    principal: Reader,
    runtime: Runtime,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> FairEmployerPage:
    async with runtime.pool.acquire() as conn:
        rows, next_cursor = await fair_employers(conn, principal, fair_id, limit, cursor)
    return FairEmployerPage(items=[FairEmployer.model_validate(dict(r)) for r in rows], next_cursor=next_cursor)


@router.get(
    "/fairs/{fair_id}/postings",
    response_model=FairPostingPage,
    summary="参会岗位（employer_id 时仅该单位的岗位）",
    responses={404: {"description": "招聘会不存在或不在本辖区"}, 400: {"description": "分页游标无效"}},
)
async def postings(
    fair_id: uuid.UUID,
    principal: Reader,
    runtime: Runtime,
    employer_id: Annotated[uuid.UUID | None, Query(description="只看该单位携带的岗位")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> FairPostingPage:
    async with runtime.pool.acquire() as conn:
        rows, next_cursor = await fair_postings(conn, principal, fair_id, employer_id, limit, cursor)
    return FairPostingPage(items=[FairPosting.model_validate(dict(r)) for r in rows], next_cursor=next_cursor)


@router.post("/fairs/{fair_id}/employers", response_model=FairResponse, summary="单位携岗位参会")
async def join(
    fair_id: uuid.UUID, body: JoinFairRequest, principal: Writer, runtime: Runtime, response: Response
) -> FairResponse:
    await join_fair(runtime.unit_of_work(), principal, fair_id, body.employer_id, body.posting_ids, utcnow().date())
    return await _one(runtime, principal, fair_id, response)


@router.post("/fairs/{fair_id}/registrations", response_model=FairResponse, summary="人员报名或受邀参会")
async def register(
    fair_id: uuid.UUID, body: FairRegisterRequest, principal: Writer, runtime: Runtime, response: Response
) -> FairResponse:
    await register_for_fair(runtime.unit_of_work(), principal, fair_id, body.member_id, body.invited, utcnow().date())
    return await _one(runtime, principal, fair_id, response)


@router.post("/fairs/{fair_id}/check-ins", response_model=FairResponse, summary="参会签到")
async def check_in_(
    fair_id: uuid.UUID, body: FairMemberRequest, principal: Writer, runtime: Runtime, response: Response
) -> FairResponse:
    await check_in(runtime.unit_of_work(), principal, fair_id, body.member_id, utcnow().date())
    return await _one(runtime, principal, fair_id, response)


@router.post("/fairs/{fair_id}/offers", response_model=FairResponse, summary="记录面试达成的录用意向")
async def offer(
    fair_id: uuid.UUID, body: FairOfferRequest, principal: Writer, runtime: Runtime, response: Response
) -> FairResponse:
    await record_offer(runtime.unit_of_work(), principal, fair_id, body.member_id, body.posting_id)
    return await _one(runtime, principal, fair_id, response)


@router.get(
    "/ledgers/fairs",
    response_model=FairLedger,
    summary="招聘会成效台账（format=csv/xlsx 时导出）",
)
async def ledger(
    principal: Reader,
    runtime: Runtime,
    within_days: WithinDays = 30,
    format: Annotated[Literal["json", "csv", "xlsx"], Query(description="导出格式")] = "json",
) -> FairLedger | Response:
    async with runtime.pool.acquire() as conn:
        rows = await fairs_ledger(conn, principal, within_days)
    if format != "json":
        return tabular_response(rows, FAIR_COLUMNS, format, "招聘会成效台账")
    return FairLedger(within_days=within_days, items=[FairResponse.model_validate(r) for r in rows])
