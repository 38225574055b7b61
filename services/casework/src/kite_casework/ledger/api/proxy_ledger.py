"""/ledgers/proxy: the proxy-service ledger (代办台账) per month and office area, with the area's
total, as JSON or a CSV / XLSX download."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from kite_common.auth import Principal, Role, require_roles
from kite_common.http.app import RuntimeDep as Runtime
from kite_common.http.tabular import tabular_response
from pydantic import BaseModel, Field

from kite_casework.domain.proxy_service import ProxyMatter
from kite_casework.ledger.api.period import Period
from kite_casework.ledger.application.proxy_ledger import ProxyLedgerRow, office_proxy_ledger, proxy_ledger
from kite_casework.ledger.application.service_ledger import LedgerLevel

router = APIRouter(prefix="/ledgers/proxy", tags=["ledgers"])

Reader = Annotated[Principal, Depends(require_roles(Role.CASEWORKER, Role.VIEWER))]


class ProxyLedgerEntry(BaseModel):
    month: str = Field(description="代办月份 YYYY-MM")
    division_code: str = Field(description="办理单位所在地区划代码（按所选层级截取）；合计行为统计范围")
    services: int = Field(description="代办事项数")
    by_matter: dict[str, int] = Field(description="按代办事项")
    cases: int = Field(description="涉及的诉求数")


class ProxyLedgerResponse(BaseModel):
    level: LedgerLevel
    area: str = Field(description="统计范围（区划代码前缀）；按办理单位时为该单位所在地")
    office_id: uuid.UUID | None = Field(default=None, description="按办理单位查看时：该单位")
    office_name: str | None = Field(default=None, description="按办理单位查看时：单位名称")
    rows: list[ProxyLedgerEntry] = Field(description="按月、按办理单位所在地")
    totals: list[ProxyLedgerEntry] = Field(description="统计范围合计（按月）")


def _entry(r: ProxyLedgerRow) -> ProxyLedgerEntry:
    return ProxyLedgerEntry(
        month=r.month.strftime("%Y-%m"),
        division_code=r.division_code,
        services=r.services,
        by_matter=r.by_matter,
        cases=r.cases,
    )


def _flat(r: ProxyLedgerRow, total: bool) -> dict[str, Any]:
    flat: dict[str, Any] = {
        "month": r.month.strftime("%Y-%m"),
        "division_code": f"{r.division_code} 合计" if total else r.division_code,
        "services": r.services,
        "cases": r.cases,
    }
    flat.update({f"matter_{m.value}": r.by_matter.get(m.value, 0) for m in ProxyMatter})
    return flat


COLUMNS = [
    ("month", "月份"),
    ("division_code", "区划代码"),
    ("services", "代办事项数"),
    ("cases", "涉及诉求数"),
    *((f"matter_{m.value}", m.label) for m in ProxyMatter),
]


@router.get("", response_model=ProxyLedgerResponse, summary="代办台账（按月、按办理单位所在地，含范围合计）")
async def ledger(principal: Reader, runtime: Runtime, query: Period) -> ProxyLedgerResponse | Response:
    office = None
    async with runtime.pool.acquire() as conn:
        if query.office is not None:  # one office's ledger: its rows are its own total
            office, rows = await office_proxy_ledger(conn, principal, query.office, query.first, query.last)
            totals = rows
        else:
            rows, totals = await proxy_ledger(conn, principal, query.level, query.area, query.first, query.last)
    if office is not None and query.format != "json":
        table = [_flat(r, False) | {"division_code": f"{office.name}（{r.division_code}）"} for r in rows]
        return tabular_response(table, COLUMNS, query.format, query.download_name("代办台账"))
    if query.format == "json":
        return ProxyLedgerResponse(
            level=query.level,
            area=office.division_code if office else principal.jurisdiction if query.area is None else query.area,
            office_id=office.office_id if office else None,
            office_name=office.name if office else None,
            rows=[_entry(r) for r in rows],
            totals=[_entry(r) for r in totals],
        )
    table = [_flat(r, False) for r in rows] + [_flat(r, True) for r in totals]
    return tabular_response(table, COLUMNS, query.format, query.download_name("代办台账"))
