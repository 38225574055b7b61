"""/monitoring: lines, alerts, a household's monitoring record, visits, flagging, dismissal, measures,
clearance, the main earner."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from kite_common.auth import Principal, Role, require_roles
from kite_common.clock import utcnow
from kite_common.http.app import RuntimeDep as Runtime
from kite_common.http.preconditions import IfMatch, set_etag
from kite_common.runtime import ServiceRuntime

from kite_roster.households.application.report_income import CHINA
from kite_roster.monitoring.api.schemas import (
    AlertItem,
    AlertPage,
    ClearRequest,
    CreatedId,
    DismissRequest,
    FlagRequest,
    HouseholdMonitoringResponse,
    MainEarnerRequest,
    MeasureRequest,
    MonitoringLineItem,
    MonitoringLineRequest,
    VisitRequest,
)
from kite_roster.monitoring.application.cadres import set_monitoring_line
from kite_roster.monitoring.application.household_actions import (
    clear_risk,
    designate_main_earner,
    dismiss_alert,
    flag_household,
    record_measure,
    record_visit,
)
from kite_roster.monitoring.application.queries import household_monitoring, list_alerts
from kite_roster.monitoring.domain.rules import MonitoringLine

router = APIRouter(prefix="/monitoring", tags=["monitoring"])

Reader = Annotated[Principal, Depends(require_roles(Role.REGISTRAR, Role.VIEWER, Role.CASEWORKER))]
Writer = Annotated[Principal, Depends(require_roles(Role.REGISTRAR))]
Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
_WRITE_RESPONSES: dict[int | str, dict[str, str]] = {
    404: {"description": "未找到该户或该预警（管辖范围以外的户同样如此）"},
    409: {"description": "该预警已处理，或该户已纳入监测"},
    422: {"description": "输入有误或不符合政策要求，未作任何修改"},
}


async def _detail(
    runtime: ServiceRuntime, principal: Principal, household_id: uuid.UUID, response: Response
) -> HouseholdMonitoringResponse:
    async with runtime.pool.acquire() as conn:
        detail = await household_monitoring(conn, principal, household_id)
    set_etag(response, detail["version"])
    return HouseholdMonitoringResponse.model_validate(detail)


@router.put("/lines/{year}/{province_code}", response_model=MonitoringLineItem, summary="设定年度省级防返贫监测线")
async def put_line(
    year: Annotated[int, Path(ge=2020, le=2100)],
    province_code: Annotated[str, Path(pattern=r"^[0-9]{2}$")],
    body: MonitoringLineRequest,
    principal: Admin,
    runtime: Runtime,
) -> MonitoringLineItem:
    line = MonitoringLine(year, province_code, body.line_fen, body.drop_percent, body.clear_years)
    await set_monitoring_line(runtime.unit_of_work(), principal, line)
    async with runtime.pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT * FROM monitoring_lines WHERE year = $1 AND province_code = $2", year, province_code
        )
    assert row is not None  # written just above
    return MonitoringLineItem.model_validate(dict(row))


@router.get("/lines", response_model=list[MonitoringLineItem], summary="各年度、各省防返贫监测线")
async def get_lines(
    principal: Reader, runtime: Runtime, year: Annotated[int | None, Query(ge=2000, le=2100)] = None
) -> list[MonitoringLineItem]:
    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch(
            """SELECT * FROM monitoring_lines WHERE ($1::int IS NULL OR year = $1)
               ORDER BY year DESC, province_code""",
            year,
        )
    return [MonitoringLineItem.model_validate(dict(r)) for r in rows]


@router.get("/alerts", response_model=AlertPage, summary="风险预警（本人管辖范围内）")
async def get_alerts(
    principal: Reader,
    runtime: Runtime,
    status: Annotated[Literal["open", "verified", "dismissed"], Query()] = "open",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> AlertPage:
    async with runtime.pool.acquire() as conn:
        items, next_cursor = await list_alerts(conn, principal, status, limit, cursor)
    return AlertPage(items=[AlertItem.model_validate(i) for i in items], next_cursor=next_cursor)


@router.get("/households/{household_id}", response_model=HouseholdMonitoringResponse, summary="户的监测帮扶记录")
async def get_household(
    household_id: uuid.UUID, principal: Reader, runtime: Runtime, response: Response
) -> HouseholdMonitoringResponse:
    return await _detail(runtime, principal, household_id, response)


@router.post(
    "/households/{household_id}/visits",
    status_code=201,
    response_model=CreatedId,
    summary="登记入户走访（核实）",
    responses=_WRITE_RESPONSES,
)
async def post_visit(household_id: uuid.UUID, body: VisitRequest, principal: Writer, runtime: Runtime) -> CreatedId:
    today = utcnow().astimezone(CHINA).date()
    visit_id = await record_visit(runtime.unit_of_work(), principal, household_id, body.visited_on, body.note, today)
    return CreatedId(id=visit_id)


@router.post(
    "/households/{household_id}/risk",
    response_model=HouseholdMonitoringResponse,
    summary="纳入防返贫监测（核实预警或直接识别；风险消除后再次纳入即风险再标注）",
    responses=_WRITE_RESPONSES,
)
async def post_flag(
    household_id: uuid.UUID,
    body: FlagRequest,
    principal: Writer,
    runtime: Runtime,
    response: Response,
    if_match: IfMatch,
) -> HouseholdMonitoringResponse:
    await flag_household(
        runtime.unit_of_work(),
        principal,
        household_id,
        body.category,
        body.reason,
        body.visit_id,
        body.alert_id,
        if_match,
    )
    return await _detail(runtime, principal, household_id, response)


@router.post(
    "/households/{household_id}/alerts/{alert_id}/dismissal",
    response_model=HouseholdMonitoringResponse,
    summary="核实后排除预警",
    responses=_WRITE_RESPONSES,
)
async def post_dismissal(
    household_id: uuid.UUID,
    alert_id: uuid.UUID,
    body: DismissRequest,
    principal: Writer,
    runtime: Runtime,
    response: Response,
) -> HouseholdMonitoringResponse:
    await dismiss_alert(runtime.unit_of_work(), principal, household_id, alert_id, body.visit_id, body.reason)
    return await _detail(runtime, principal, household_id, response)


@router.post(
    "/households/{household_id}/measures",
    status_code=201,
    response_model=CreatedId,
    summary="登记帮扶措施",
    responses=_WRITE_RESPONSES,
)
async def post_measure(household_id: uuid.UUID, body: MeasureRequest, principal: Writer, runtime: Runtime) -> CreatedId:
    measure_id = await record_measure(
        runtime.unit_of_work(),
        principal,
        household_id,
        body.kind,
        body.giver,
        body.amount_fen,
        body.started_on,
        body.ended_on,
    )
    return CreatedId(id=measure_id)


@router.post(
    "/households/{household_id}/clearance",
    response_model=HouseholdMonitoringResponse,
    summary="标注风险消除（收入稳定高于监测线、帮扶措施落实、核实走访）",
    responses=_WRITE_RESPONSES,
)
async def post_clearance(
    household_id: uuid.UUID,
    body: ClearRequest,
    principal: Writer,
    runtime: Runtime,
    response: Response,
    if_match: IfMatch,
) -> HouseholdMonitoringResponse:
    await clear_risk(runtime.unit_of_work(), principal, household_id, body.visit_id, if_match)
    return await _detail(runtime, principal, household_id, response)


@router.put(
    "/households/{household_id}/main-earner",
    response_model=HouseholdMonitoringResponse,
    summary="指定家庭主要劳动力（其去世时预警）",
    responses=_WRITE_RESPONSES,
)
async def put_main_earner(
    household_id: uuid.UUID, body: MainEarnerRequest, principal: Writer, runtime: Runtime, response: Response
) -> HouseholdMonitoringResponse:
    await designate_main_earner(runtime.unit_of_work(), principal, household_id, body.member_id)
    return await _detail(runtime, principal, household_id, response)
