"""/ledgers/registration: the registration ledger (外出务工人员台账) — where our people are now, per
destination city, industry, employer or origin; as JSON or a CSV / XLSX download."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from kite_common.auth import Principal, Role, require_roles
from kite_common.http.app import RuntimeDep as Runtime
from kite_common.http.tabular import tabular_response
from pydantic import BaseModel, Field

from kite_roster.members.application.registration_ledger import LedgerBy, OriginLevel, registration_ledger

router = APIRouter(prefix="/ledgers/registration", tags=["ledgers"])

Reader = Annotated[Principal, Depends(require_roles(Role.REGISTRAR, Role.VIEWER, Role.CASEWORKER, Role.PARTY_AFFAIRS))]
KEY_TITLES: dict[LedgerBy, str] = {
    "city": "务工城市",
    "industry": "行业",
    "employer": "工作单位",
    "origin": "户籍地区划代码",
}
TITLES: dict[LedgerBy, str] = {
    "city": "外出务工人员台账（按务工城市）",
    "industry": "外出务工人员台账（按行业）",
    "employer": "外出务工人员台账（按工作单位）",
    "origin": "外出务工人员台账（按户籍地）",
}
JSON_LIMIT = 1000


class LedgerRowResponse(BaseModel):
    key: str = Field(description="城市、行业、单位名称或区划代码；空字符串表示未填写")
    label: str
    members: int


class RegistrationLedgerResponse(BaseModel):
    by: LedgerBy
    area: str = Field(description="统计范围（区划代码前缀；空为全国）")
    total: int = Field(description="范围内在册外出务工人员总数")
    rows: list[LedgerRowResponse]
    truncated: bool = Field(description="行数超过 limit 时为 true；下载 csv / xlsx 可得全部行")


@router.get("", response_model=RegistrationLedgerResponse, summary="外出务工人员台账")
async def ledger(
    principal: Reader,
    runtime: Runtime,
    by: Annotated[LedgerBy, Query(description="city 务工城市 | industry 行业 | employer 工作单位 | origin 户籍地")] = (
        "city"
    ),
    origin: Annotated[
        str | None, Query(pattern=r"^[0-9]{1,12}$", description="户籍地区划代码前缀，缺省为管辖范围")
    ] = None,
    level: Annotated[OriginLevel, Query(description="by=origin 时的汇总层级：county 县 | township 乡 | village 村")] = (
        "county"
    ),
    limit: Annotated[int, Query(ge=1, le=10_000, description="JSON 最多返回的行数")] = JSON_LIMIT,
    format: Annotated[Literal["json", "csv", "xlsx"], Query(description="json，或下载 csv / xlsx")] = "json",
) -> RegistrationLedgerResponse | Response:
    async with runtime.pool.acquire() as conn:
        result = await registration_ledger(
            conn, principal, by, origin, level, limit=limit if format == "json" else None
        )
    if format == "json":
        return RegistrationLedgerResponse(
            by=result.by,
            area=result.area,
            total=result.total,
            rows=[LedgerRowResponse(key=r.key, label=r.label, members=r.members) for r in result.rows],
            truncated=result.truncated,
        )
    rows = [{"label": r.label, "key": r.key, "members": r.members} for r in result.rows]
    rows.append({"label": "合计", "key": "", "members": result.total})
    columns = [("label", KEY_TITLES[by] if by != "origin" else "户籍地"), ("members", "人数")]
    if by == "origin":
        columns.insert(1, ("key", KEY_TITLES["origin"]))
    filename = f"{TITLES[by]}{('_' + result.area) if result.area else ''}"
    return tabular_response(rows, columns, format, filename)
