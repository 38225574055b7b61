"""/monitoring/cadres and /monitoring/pairings: cadres, pairing (结对帮扶) and the pairing proposal."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from kite_common.auth import Principal, Role, require_roles
from kite_common.clock import utcnow
from kite_common.http.app import RuntimeDep as Runtime
from kite_common.runtime import ServiceRuntime

from kite_roster.households.application.report_income import CHINA
from kite_roster.monitoring.api.schemas import (
    CadreRequest,
    CadreResponse,
    PairRequest,
    ProposalItem,
    ProposalResponse,
    UnpairRequest,
)
from kite_roster.monitoring.application.cadres import pair_households, register_cadre, unpair_household
from kite_roster.monitoring.application.queries import get_cadre, pairing_proposal

router = APIRouter(prefix="/monitoring", tags=["monitoring"])

Reader = Annotated[Principal, Depends(require_roles(Role.REGISTRAR, Role.VIEWER, Role.CASEWORKER))]
Writer = Annotated[Principal, Depends(require_roles(Role.REGISTRAR))]
_RESPONSES: dict[int | str, dict[str, str]] = {
    403: {"description": "管辖范围以外"},
    404: {"description": "未找到该帮扶人或该户"},
    409: {"description": "该户已有结对帮扶人，或未与该帮扶人结对"},
    422: {"description": "违反结对规则（规则名称见 detail）或输入有误，未作任何修改"},
}


async def _cadre(runtime: ServiceRuntime, principal: Principal, cadre_id: uuid.UUID) -> CadreResponse:
    async with runtime.pool.acquire() as conn:
        return CadreResponse.model_validate(await get_cadre(conn, principal, cadre_id))


@router.post("/cadres", status_code=201, response_model=CadreResponse, summary="登记帮扶人", responses=_RESPONSES)
async def post_cadre(body: CadreRequest, principal: Writer, runtime: Runtime, response: Response) -> CadreResponse:
    cadre_id = await register_cadre(
        runtime.unit_of_work(), principal, body.name, body.rank, body.organisation, body.organisation_code
    )
    response.headers["Location"] = f"/monitoring/cadres/{cadre_id}"
    return await _cadre(runtime, principal, cadre_id)


@router.get("/cadres/{cadre_id}", response_model=CadreResponse, summary="帮扶人及其结对户")
async def get_one(cadre_id: uuid.UUID, principal: Reader, runtime: Runtime) -> CadreResponse:
    return await _cadre(runtime, principal, cadre_id)


@router.post("/pairings", status_code=204, summary="结对（逐条核对结对规则，全部成功或全部不变）", responses=_RESPONSES)
async def post_pairings(body: PairRequest, principal: Writer, runtime: Runtime) -> Response:
    today = utcnow().astimezone(CHINA).date()
    pairs = [(p.cadre_id, p.household_id) for p in body.pairs]
    await pair_households(runtime.unit_of_work(), principal, pairs, today)
    return Response(status_code=204)


@router.post("/pairings/end", status_code=204, summary="解除结对（历史保留）", responses=_RESPONSES)
async def post_unpairing(body: UnpairRequest, principal: Writer, runtime: Runtime) -> Response:
    today = utcnow().astimezone(CHINA).date()
    await unpair_household(runtime.unit_of_work(), principal, body.cadre_id, body.household_id, body.reason, today)
    return Response(status_code=204)


@router.get(
    "/pairing-proposal",
    response_model=ProposalResponse,
    summary="为本县未结对户生成结对建议（遵守结对规则，就近单位优先），由人确认后提交 /monitoring/pairings",
)
async def get_proposal(
    principal: Writer,
    runtime: Runtime,
    county: Annotated[str, Query(pattern=r"^[0-9]{6}$", description="县级区划代码")],
    year: Annotated[int, Query(ge=2000, le=2100, description="按此年度的人均纯收入")],
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> ProposalResponse:
    async with runtime.pool.acquire() as conn:
        proposals = await pairing_proposal(conn, principal, county, year)
    return ProposalResponse(
        county=county,
        year=year,
        total=len(proposals),
        items=[ProposalItem.model_validate(p.__dict__) for p in proposals[:limit]],
    )
