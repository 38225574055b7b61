"""GET /ledgers/party: the party ledger as JSON, or its branches / lost members as CSV or XLSX."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from kite_common.auth import Principal, Role, require_roles
from kite_common.http.app import RuntimeDep as Runtime
from kite_common.http.tabular import tabular_response

from kite_roster.party.api.schemas import PartyLedgerResponse
from kite_roster.party.application.party_ledger import (
    LedgerQuery,
    all_branches,
    all_lost_members,
    party_ledger,
    resolve_scope,
)
from kite_roster.party.domain.party_events import MONTH_PATTERN

router = APIRouter(prefix="/ledgers", tags=["ledgers"])

Reader = Annotated[Principal, Depends(require_roles(Role.PARTY_AFFAIRS, Role.VIEWER))]
Month = Annotated[str | None, Query(pattern=MONTH_PATTERN)]

BRANCH_COLUMNS = (
    ("name", "支部名称"),
    ("kind", "类别"),
    ("division_code", "区划代码"),
    ("host_city", "驻在城市"),
    ("members", "在册党员"),
    ("origin", "流出地党员"),
    ("region", "区域党员"),
    ("industry", "行业党员"),
    ("sessions", "组织生活次数"),
    ("attendance_expected", "应到人次"),
    ("attended", "实到人次"),
    ("attendance_rate", "出勤率"),
    ("dues_expected", "应交党费人数"),
    ("dues_paid", "已交党费人数"),
    ("dues_rate", "党费收缴率"),
    ("organisation_id", "组织编号"),
)
LOST_COLUMNS = (
    ("name", "姓名"),
    ("origin_division_code", "流出地"),
    ("current_city", "务工地"),
    ("employer", "工作单位"),
    ("last_contact_at", "最后联系时间"),
    ("party_status", "党籍状态"),
    ("member_id", "人员编号"),
)


@router.get(
    "/party",
    response_model=PartyLedgerResponse,
    summary="党员台账",
    description="在册党员与三重覆盖、当月党费收缴、期间出勤率、各支部明细、失联党员。"
    "format=csv/xlsx 时按 section 导出支部明细（branches）或失联党员（lost）。",
    responses={
        200: {"content": {"text/csv": {}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}
    },
)
async def party(
    principal: Reader,
    runtime: Runtime,
    organisation: Annotated[uuid.UUID | None, Query(description="只看该组织及其下级的支部")] = None,
    origin: Annotated[str | None, Query(pattern=r"^[0-9]{1,12}$", description="流出地区划代码前缀")] = None,
    month: Annotated[Month, Query(description="党费统计月份 YYYY-MM，默认本月")] = None,
    period_from: Annotated[Month, Query(description="出勤统计起始月份，默认当年1月")] = None,
    period_to: Annotated[Month, Query(description="出勤统计结束月份，默认 month")] = None,
    format: Literal["json", "csv", "xlsx"] = "json",
    section: Literal["branches", "lost"] = "branches",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> PartyLedgerResponse | Response:
    query = LedgerQuery(organisation, origin, month, period_from, period_to)
    async with runtime.pool.acquire() as conn:
        resolved = await resolve_scope(conn, principal, query)
        if format == "json":
            return PartyLedgerResponse.model_validate(await party_ledger(conn, resolved, limit, cursor))
    scope = resolved.scope
    if section == "lost":
        return tabular_response(
            all_lost_members(runtime.pool, scope), LOST_COLUMNS, format, f"失联党员-{resolved.origin}"
        )
    return tabular_response(
        all_branches(runtime.pool, scope), BRANCH_COLUMNS, format, f"党员台账-{resolved.origin}-{scope.month}"
    )
