"""/ledgers/income: the income ledger (收入台账) and the list of households below the monitoring line."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from kite_common.auth import Principal, Role, require_roles
from kite_common.http.app import RuntimeDep as Runtime
from kite_common.http.tabular import tabular_response
from kite_common.runtime import ServiceRuntime

from kite_roster.households.adapters.income_ledger import IncomeBands, income_ledger_settings
from kite_roster.households.api.schemas import (
    BelowThreshold,
    BelowThresholdItem,
    BelowThresholdPage,
    IncomeBandItem,
    IncomeLedgerResponse,
    LedgerCounts,
)
from kite_roster.households.application.income_ledger import (
    IncomeLedger,
    Tally,
    below_threshold,
    income_ledger,
    ledger_origin,
)
from kite_roster.households.domain.household import CENT, MONITORING_LABELS

router = APIRouter(prefix="/ledgers/income", tags=["ledgers"])

Reader = Annotated[Principal, Depends(require_roles(Role.REGISTRAR, Role.VIEWER, Role.CASEWORKER))]
Year = Annotated[int, Query(ge=2000, le=2100, description="年度")]
Origin = Annotated[str | None, Query(pattern=r"^[0-9]{1,12}$", description="地区区划代码前缀，缺省为本人管辖范围")]
Format = Annotated[Literal["json", "csv", "xlsx"], Query(description="json，或下载 csv / xlsx")]
_EXPORT_BATCH = 1000

_COUNT_COLUMNS = [
    ("households", "户数"),
    ("persons", "人数"),
    ("poverty_registered", "其中建档立卡户"),
    ("relocated", "其中易地搬迁户"),
    ("monitored", "其中防返贫监测户"),
]
LEDGER_COLUMNS = [("band", "人均年收入分段"), *_COUNT_COLUMNS]
BELOW_COLUMNS = [
    ("division_code", "所在村区划代码"),
    ("head_name", "户主"),
    ("household_id", "户编号"),
    ("year", "年度"),
    ("total_income", "家庭年收入（元）"),
    ("household_size", "家庭人口"),
    ("per_capita_income", "人均年收入（元）"),
    ("poverty_registered", "建档立卡户"),
    ("relocated", "易地搬迁户"),
    ("relocation_site", "安置点"),
    ("monitored", "防返贫监测户"),
    ("monitoring_category", "监测类别"),
]


def _counts(t: Tally) -> dict[str, int]:
    return {
        "households": t.households,
        "persons": t.persons,
        "poverty_registered": t.poverty_registered,
        "relocated": t.relocated,
        "monitored": t.monitored,
    }


def _money(amount: Decimal | None) -> Decimal | None:
    return None if amount is None else amount.quantize(CENT)


def _response(ledger: IncomeLedger) -> IncomeLedgerResponse:
    link = "/ledgers/income/below-threshold?" + urlencode({"year": ledger.year, "origin": ledger.origin})
    return IncomeLedgerResponse(
        year=ledger.year,
        origin=ledger.origin,
        total=LedgerCounts(**_counts(ledger.total)),
        bands=[
            IncomeBandItem(
                label=b.band.label,
                min=b.band.floor.quantize(CENT),
                max=_money(b.band.ceiling),
                **_counts(b.tally),
            )
            for b in ledger.bands
        ],
        below_threshold=BelowThreshold(
            threshold=ledger.threshold.quantize(CENT), list=link, **_counts(ledger.below_threshold)
        ),
    )


def _ledger_rows(ledger: IncomeLedger) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [{"band": b.band.label, **_counts(b.tally)} for b in ledger.bands]
    below = f"低于监测线（{ledger.threshold.quantize(CENT)}元）"
    rows.append({"band": below, **_counts(ledger.below_threshold)})
    rows.append({"band": "合计", **_counts(ledger.total)})
    return rows


@router.get(
    "",
    response_model=IncomeLedgerResponse,
    summary="收入台账：按人均年收入分段的户数，及监测线以下的户",
    responses={503: {"description": "分段或监测线配置已变更，台账待重建"}},
)
async def get_ledger(
    principal: Reader, runtime: Runtime, year: Year, origin: Origin = None, format: Format = "json"
) -> IncomeLedgerResponse | Response:
    async with runtime.pool.acquire() as conn:
        ledger = await income_ledger(conn, principal, income_ledger_settings().bands, year, origin)
    if format != "json":
        return tabular_response(_ledger_rows(ledger), LEDGER_COLUMNS, format, f"收入台账_{ledger.origin}_{year}")
    return _response(ledger)


async def _all_below(
    runtime: ServiceRuntime, principal: Principal, bands: IncomeBands, year: int, origin: str | None
) -> AsyncIterator[dict[str, Any]]:
    """Every household below the line, page by page (keyset), never all in memory."""
    cursor: str | None = None
    while True:
        async with runtime.pool.acquire() as conn:
            rows, cursor = await below_threshold(conn, principal, bands, year, origin, _EXPORT_BATCH, cursor)
        for row in rows:
            item = dict(row)
            item["monitoring_category"] = MONITORING_LABELS.get(item["monitoring_category"] or "")
            yield item
        if cursor is None:
            return


@router.get(
    "/below-threshold",
    response_model=BelowThresholdPage,
    summary="人均年收入低于监测线的户（format=csv/xlsx 时导出全部）",
)
async def get_below_threshold(
    principal: Reader,
    runtime: Runtime,
    year: Year,
    origin: Origin = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    format: Format = "json",
) -> BelowThresholdPage | Response:
    bands = income_ledger_settings().bands
    if format != "json":
        area = ledger_origin(principal, origin)  # refuse before the download starts
        name = f"监测线以下户_{area}_{year}"
        return tabular_response(_all_below(runtime, principal, bands, year, area), BELOW_COLUMNS, format, name)
    async with runtime.pool.acquire() as conn:
        rows, next_cursor = await below_threshold(conn, principal, bands, year, origin, limit, cursor)
    return BelowThresholdPage(
        year=year,
        threshold=bands.threshold.quantize(CENT),
        items=[BelowThresholdItem.model_validate(dict(r)) for r in rows],
        next_cursor=next_cursor,
    )
