"""/ventures (返乡创业) and /recall-campaigns (人才回引), with the venture ledger."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from kite_common.clock import utcnow
from kite_common.http.preconditions import set_etag
from kite_common.http.tabular import tabular_response

from kite_jobs.api.deps import Reader, Runtime, Writer
from kite_jobs.api.schemas import (
    CampaignResponse,
    OpenCampaignRequest,
    RecallOutcomeRequest,
    RegisterVentureRequest,
    ReportVentureJobsRequest,
    SupportVentureRequest,
    TalentItem,
    TalentPage,
    VentureLedger,
    VentureLedgerRow,
    VentureResponse,
)
from kite_jobs.application.employment_ledger import LedgerLevel
from kite_jobs.application.return_home import (
    VENTURE_COLUMNS,
    get_campaign,
    get_venture,
    open_campaign,
    record_recall_outcome,
    register_venture,
    report_venture_jobs,
    support_venture,
    talent_pool,
    venture_ledger,
)
from kite_jobs.domain.return_home import RecallOutcome, SupportKind, VentureDetails

router = APIRouter(tags=["return-home"])


async def _venture(runtime: Runtime, principal: Reader, venture_id: uuid.UUID, response: Response) -> VentureResponse:
    async with runtime.pool.acquire() as conn:
        venture = VentureResponse.model_validate(dict(await get_venture(conn, principal, venture_id)))
    set_etag(response, venture.version)
    return venture


@router.post("/ventures", status_code=201, response_model=VentureResponse, summary="登记返乡创业项目")
async def register(
    body: RegisterVentureRequest, principal: Writer, runtime: Runtime, response: Response
) -> VentureResponse:
    details = VentureDetails(
        body.name, body.place_division_code, body.started_on, body.investment_fen, body.jobs_created, body.industry
    )
    vid = await register_venture(runtime.unit_of_work(), principal, body.member_id, details, utcnow().date())
    response.headers["Location"] = f"/ventures/{vid}"
    return await _venture(runtime, principal, vid, response)


@router.get("/ventures/{venture_id}", response_model=VentureResponse, summary="查看返乡创业项目")
async def get_one(venture_id: uuid.UUID, principal: Reader, runtime: Runtime, response: Response) -> VentureResponse:
    return await _venture(runtime, principal, venture_id, response)


@router.post(
    "/ventures/{venture_id}/support", response_model=VentureResponse, summary="记录扶持（贷款、补贴、场地、培训）"
)
async def support(
    venture_id: uuid.UUID, body: SupportVentureRequest, principal: Writer, runtime: Runtime, response: Response
) -> VentureResponse:
    today = utcnow().date()
    await support_venture(
        runtime.unit_of_work(),
        principal,
        venture_id,
        SupportKind(body.kind),
        body.amount_fen,
        body.given_on,
        body.note,
        today,
    )
    return await _venture(runtime, principal, venture_id, response)


@router.post("/ventures/{venture_id}/jobs-report", response_model=VentureResponse, summary="填报带动就业与投资")
async def report(
    venture_id: uuid.UUID, body: ReportVentureJobsRequest, principal: Writer, runtime: Runtime, response: Response
) -> VentureResponse:
    today = utcnow().date()
    await report_venture_jobs(
        runtime.unit_of_work(), principal, venture_id, body.jobs_created, body.investment_fen, body.reported_on, today
    )
    return await _venture(runtime, principal, venture_id, response)


@router.get("/ledgers/ventures", response_model=VentureLedger, summary="返乡创业台账（format=csv/xlsx 时导出）")
async def ledger(
    principal: Reader,
    runtime: Runtime,
    level: Annotated[LedgerLevel, Query(description="county 县 / township 乡镇 / village 村")] = LedgerLevel.COUNTY,
    format: Annotated[Literal["json", "csv", "xlsx"], Query(description="导出格式")] = "json",
) -> VentureLedger | Response:
    async with runtime.pool.acquire() as conn:
        rows = await venture_ledger(conn, principal, level.digits)
    if format != "json":
        return tabular_response(rows, VENTURE_COLUMNS, format, f"返乡创业台账-{level.value}")
    return VentureLedger(level=level.value, items=[VentureLedgerRow.model_validate(r) for r in rows])


async def _campaign(runtime: Runtime, principal: Reader, campaign_id: uuid.UUID) -> CampaignResponse:
    async with runtime.pool.acquire() as conn:
        return CampaignResponse.model_validate(dict(await get_campaign(conn, principal, campaign_id)))


@router.post("/recall-campaigns", status_code=201, response_model=CampaignResponse, summary="开展人才回引活动")
async def open_(body: OpenCampaignRequest, principal: Writer, runtime: Runtime, response: Response) -> CampaignResponse:
    cid = await open_campaign(
        runtime.unit_of_work(), principal, body.title, body.skills_wanted, body.area_division_code
    )
    response.headers["Location"] = f"/recall-campaigns/{cid}"
    return await _campaign(runtime, principal, cid)


@router.get("/recall-campaigns/{campaign_id}", response_model=CampaignResponse, summary="查看人才回引活动及成效")
async def get_campaign_(campaign_id: uuid.UUID, principal: Reader, runtime: Runtime) -> CampaignResponse:
    return await _campaign(runtime, principal, campaign_id)


@router.get(
    "/recall-campaigns/{campaign_id}/talent",
    response_model=TalentPage,
    summary="人才库：本辖区具备所需技能的在册人员（含回引结果）",
)
async def talent(
    campaign_id: uuid.UUID,
    principal: Reader,
    runtime: Runtime,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> TalentPage:
    async with runtime.pool.acquire() as conn:
        rows, next_cursor = await talent_pool(conn, principal, campaign_id, limit, cursor)
    return TalentPage(items=[TalentItem.model_validate(dict(r)) for r in rows], next_cursor=next_cursor)


@router.post("/recall-campaigns/{campaign_id}/outcomes", response_model=CampaignResponse, summary="记录回引结果")
async def outcome(
    campaign_id: uuid.UUID, body: RecallOutcomeRequest, principal: Writer, runtime: Runtime
) -> CampaignResponse:
    await record_recall_outcome(
        runtime.unit_of_work(), principal, campaign_id, body.member_id, RecallOutcome(body.outcome)
    )
    return await _campaign(runtime, principal, campaign_id)
