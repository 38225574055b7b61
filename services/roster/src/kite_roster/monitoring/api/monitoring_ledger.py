"""/ledgers/monitoring: the monitoring ledger (防返贫监测台账), JSON or CSV/XLSX."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from kite_common.auth import Principal, Role, require_roles
from kite_common.http.app import RuntimeDep as Runtime
from kite_common.http.tabular import tabular_response

from kite_roster.monitoring.api.schemas import MonitoringLedgerResponse, MonitoringLedgerRow
from kite_roster.monitoring.application.monitoring_ledger import (
    LEVEL_DIGITS,
    MEASURE_KINDS,
    Level,
    Period,
    counted_sums,
    ledger_area,
    ledger_rows,
)

router = APIRouter(prefix="/ledgers/monitoring", tags=["ledgers"])

Reader = Annotated[Principal, Depends(require_roles(Role.REGISTRAR, Role.VIEWER, Role.CASEWORKER))]
_MEASURE_LABELS = {
    "industry": "产业",
    "employment": "就业",
    "education": "教育",
    "medical": "医疗",
    "housing": "住房",
    "social-security": "兜底保障",
    "consumption": "消费",
}
LEDGER_COLUMNS = [
    ("place", "地区区划代码"),
    ("identified_households", "新识别户数（含风险再标注）"),
    ("identified_persons", "新识别人数"),
    ("reflagged_households", "其中风险再标注户数"),
    ("cleared_households", "风险消除户数"),
    ("cleared_persons", "风险消除人数"),
    ("unresolved_households_at_start", "期初未消除风险户数"),
    ("unresolved_rate_at_start", "期初未消除风险率（%）"),
    ("unresolved_households", "期末未消除风险户数"),
    ("unresolved_persons", "期末未消除风险人数"),
    ("ever_identified_households", "累计识别户数"),
    ("unresolved_rate", "未消除风险率（%）"),
    ("paired_households", "结对户数"),
    ("unpaired_unresolved_households", "未消除风险未结对户数"),
    ("cadres", "帮扶人数"),
    ("load", "人均结对户数"),
    ("measures", "帮扶措施数"),
    ("measures_fen", "帮扶资金（分）"),
    *(
        item
        for k in MEASURE_KINDS
        for item in (
            (f"measures_{k.replace('-', '_')}", f"{_MEASURE_LABELS[k]}措施数"),
            (f"measures_{k.replace('-', '_')}_fen", f"{_MEASURE_LABELS[k]}资金（分）"),
        )
    ),
]


@router.get(
    "",
    response_model=MonitoringLedgerResponse,
    summary="防返贫监测台账：按村、乡镇、县、市，按月或年（format=csv/xlsx 时导出）",
)
async def get_ledger(
    principal: Reader,
    runtime: Runtime,
    year: Annotated[int, Query(ge=2000, le=2100)],
    month: Annotated[int | None, Query(ge=1, le=12, description="缺省为全年")] = None,
    level: Annotated[Level, Query(description="village 村, township 乡镇, county 县, city 市")] = "county",
    origin: Annotated[
        str | None, Query(pattern=r"^[0-9]{1,12}$", description="地区区划代码前缀，缺省为本人管辖范围")
    ] = None,
    format: Annotated[Literal["json", "csv", "xlsx"], Query()] = "json",
) -> MonitoringLedgerResponse | Response:
    area = ledger_area(principal, origin)
    async with runtime.pool.acquire() as conn:
        sums = await counted_sums(conn, area, LEVEL_DIGITS[level], Period.of(year, month))
    rows = ledger_rows(sums)
    if format != "json":
        period = f"{year}" if month is None else f"{year}-{month:02d}"
        return tabular_response(rows, LEDGER_COLUMNS, format, f"防返贫监测台账_{area}_{period}")
    return MonitoringLedgerResponse(
        origin=area, level=level, year=year, month=month, rows=[MonitoringLedgerRow.model_validate(r) for r in rows]
    )
