"""/households: register, get, list, change flags, add/move/remove members, report income."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Response
from kite_common.auth import Principal, Role, require_roles
from kite_common.http.app import RuntimeDep as Runtime
from kite_common.http.preconditions import IfMatch, set_etag
from kite_common.http.tabular import tabular_response
from kite_common.runtime import ServiceRuntime

from kite_roster.households.api.schemas import (
    AddMemberRequest,
    ChangeFlagsRequest,
    HouseholdMemberItem,
    HouseholdPage,
    HouseholdResponse,
    HouseholdSummary,
    IncomeItem,
    IncomeReportRequest,
    RegisterHouseholdRequest,
)
from kite_roster.households.application.add_household_member import add_household_member
from kite_roster.households.application.change_household_flags import change_household_flags
from kite_roster.households.application.household_queries import HouseholdFilter, get_household, list_households
from kite_roster.households.application.register_household import register_household
from kite_roster.households.application.remove_household_member import remove_household_member
from kite_roster.households.application.report_income import report_income
from kite_roster.households.domain.household import (
    MONITORING_LABELS,
    FlagChanges,
    HouseholdFlags,
    HouseholdRegistration,
)
from kite_roster.households.domain.household_events import MonitoringCategory

router = APIRouter(prefix="/households", tags=["households"])

Reader = Annotated[Principal, Depends(require_roles(Role.REGISTRAR, Role.VIEWER, Role.CASEWORKER))]
Writer = Annotated[Principal, Depends(require_roles(Role.REGISTRAR))]
_WRITE_RESPONSES: dict[int | str, dict[str, str]] = {
    403: {"description": "该户或该人员不在管辖范围内"},
    404: {"description": "未找到该户（或该人员）"},
    409: {"description": "并发修改，或该人员已属于另一户"},
    412: {"description": "If-Match 版本已过期"},
    422: {"description": "输入有误，未作任何修改"},
}


_EXPORT_BATCH = 1000
EXPORT_COLUMNS = [
    ("division_code", "所在村区划代码"),
    ("head_name", "户主"),
    ("household_id", "户编号"),
    ("address", "住址"),
    ("poverty_registered", "建档立卡户"),
    ("relocated", "易地搬迁户"),
    ("relocation_site", "安置点"),
    ("monitored", "防返贫监测户"),
    ("monitoring_category_label", "监测类别"),
    ("registered_at", "登记时间"),
]


def _summary_fields(row: dict[str, object]) -> dict[str, object]:
    category = row["monitoring_category"]
    return {**row, "monitoring_category_label": MONITORING_LABELS.get(str(category)) if category else None}


async def _household_response(
    runtime: ServiceRuntime, principal: Principal, household_id: uuid.UUID, response: Response
) -> HouseholdResponse:
    async with runtime.pool.acquire() as conn:
        detail = await get_household(conn, principal, household_id)
    set_etag(response, detail.household["version"])
    return HouseholdResponse(
        **_summary_fields(dict(detail.household)),
        members=[HouseholdMemberItem.model_validate(dict(m)) for m in detail.members],
        incomes=[IncomeItem.model_validate(dict(i)) for i in detail.incomes],
    )


@router.post("", status_code=201, response_model=HouseholdResponse, summary="登记户", responses=_WRITE_RESPONSES)
async def register(
    body: RegisterHouseholdRequest, principal: Writer, runtime: Runtime, response: Response
) -> HouseholdResponse:
    reg = HouseholdRegistration(
        division_code=body.division_code,
        head_name=body.head_name,
        address=body.address,
        flags=HouseholdFlags(
            poverty_registered=body.poverty_registered,
            relocated=body.relocated,
            relocation_site=body.relocation_site,
            monitored=body.monitored,
            monitoring_category=body.monitoring_category,
        ),
    )
    household_id = await register_household(runtime.unit_of_work(), principal, reg)
    response.headers["Location"] = f"/households/{household_id}"
    return await _household_response(runtime, principal, household_id, response)


@router.get("/{household_id}", response_model=HouseholdResponse, summary="查看户（成员与各年度收入）")
async def get_one(
    household_id: uuid.UUID, principal: Reader, runtime: Runtime, response: Response
) -> HouseholdResponse:
    return await _household_response(runtime, principal, household_id, response)


@router.get("", response_model=HouseholdPage, summary="查询户（format=csv/xlsx 时导出全部结果）")
async def list_(
    principal: Reader,
    runtime: Runtime,
    division: Annotated[str | None, Query(pattern=r"^[0-9]{1,12}$", description="所在地区划代码前缀")] = None,
    poverty_registered: Annotated[bool | None, Query(description="建档立卡户")] = None,
    relocated: Annotated[bool | None, Query(description="易地搬迁户")] = None,
    relocation_site: Annotated[str | None, Query(max_length=100, description="安置点")] = None,
    monitored: Annotated[bool | None, Query(description="防返贫监测户")] = None,
    monitoring_category: Annotated[MonitoringCategory | None, Query(description="监测类别")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    format: Annotated[Literal["json", "csv", "xlsx"], Query(description="json，或下载全部结果 csv / xlsx")] = "json",
) -> HouseholdPage | Response:
    f = HouseholdFilter(division, poverty_registered, relocated, relocation_site, monitored, monitoring_category)
    if format != "json":
        return tabular_response(_all(runtime, principal, f), EXPORT_COLUMNS, format, "户名单")
    async with runtime.pool.acquire() as conn:
        rows, next_cursor = await list_households(conn, principal, f, limit, cursor)
    return HouseholdPage(
        items=[HouseholdSummary.model_validate(_summary_fields(dict(r))) for r in rows], next_cursor=next_cursor
    )


async def _all(runtime: ServiceRuntime, principal: Principal, f: HouseholdFilter) -> AsyncIterator[dict[str, Any]]:
    """Every matching household, page by page (keyset), never all in memory."""
    cursor: str | None = None
    while True:
        async with runtime.pool.acquire() as conn:
            rows, cursor = await list_households(conn, principal, f, _EXPORT_BATCH, cursor)
        for row in rows:
            yield _summary_fields(dict(row))
        if cursor is None:
            return


@router.patch(
    "/{household_id}/flags", response_model=HouseholdResponse, summary="变更户的标识", responses=_WRITE_RESPONSES
)
async def patch_flags(
    household_id: uuid.UUID,
    body: ChangeFlagsRequest,
    principal: Writer,
    runtime: Runtime,
    response: Response,
    if_match: IfMatch,
) -> HouseholdResponse:
    changes = FlagChanges(
        poverty_registered=body.poverty_registered,
        relocated=body.relocated,
        relocation_site=body.relocation_site,
        monitored=body.monitored,
        monitoring_category=body.monitoring_category,
    )
    await change_household_flags(runtime.unit_of_work(), principal, household_id, changes, if_match)
    return await _household_response(runtime, principal, household_id, response)


@router.post(
    "/{household_id}/members/{member_id}",
    response_model=HouseholdResponse,
    summary="加入户成员（move=true 时从原户迁入）",
    responses=_WRITE_RESPONSES,
)
async def post_member(
    household_id: uuid.UUID,
    member_id: uuid.UUID,
    principal: Writer,
    runtime: Runtime,
    response: Response,
    if_match: IfMatch,
    body: Annotated[AddMemberRequest | None, Body()] = None,
    move: Annotated[bool, Query(description="该人员已属于另一户时，从原户迁入本户")] = False,
) -> HouseholdResponse:
    relation = body.relation if body else None
    await add_household_member(runtime.unit_of_work(), principal, household_id, member_id, relation, move, if_match)
    return await _household_response(runtime, principal, household_id, response)


@router.delete(
    "/{household_id}/members/{member_id}",
    response_model=HouseholdResponse,
    summary="移出户成员",
    responses=_WRITE_RESPONSES,
)
async def delete_member(
    household_id: uuid.UUID,
    member_id: uuid.UUID,
    principal: Writer,
    runtime: Runtime,
    response: Response,
    if_match: IfMatch,
) -> HouseholdResponse:
    await remove_household_member(runtime.unit_of_work(), principal, household_id, member_id, if_match)
    return await _household_response(runtime, principal, household_id, response)


@router.post(
    "/{household_id}/income-reports",
    status_code=201,
    response_model=HouseholdResponse,
    summary="填报年度收入（同一年度再次填报即为更正）",
    responses={**_WRITE_RESPONSES, 200: {"description": "与该年度现有填报相同，未作修改"}},
)
async def post_income_report(
    household_id: uuid.UUID,
    body: IncomeReportRequest,
    principal: Writer,
    runtime: Runtime,
    response: Response,
    if_match: IfMatch,
) -> HouseholdResponse:
    recorded = await report_income(
        runtime.unit_of_work(), principal, household_id, body.year, body.total_income, body.household_size, if_match
    )
    if not recorded:
        response.status_code = 200
    return await _household_response(runtime, principal, household_id, response)
