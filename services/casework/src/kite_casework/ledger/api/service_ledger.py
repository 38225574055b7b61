"""/ledgers/service: the service ledger (服务台账) per month and place (province, city, county or
township), with the area's total, as JSON or a CSV / XLSX download."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from kite_common.auth import Principal, Role, require_roles
from kite_common.http.app import RuntimeDep as Runtime
from kite_common.http.tabular import tabular_response
from kite_common.runtime import ServiceRuntime
from pydantic import BaseModel, Field

from kite_casework.domain.categories import CaseCategory
from kite_casework.domain.intake import Channel
from kite_casework.domain.sla import SlaTier
from kite_casework.ledger.api.period import LedgerQuery, Period
from kite_casework.ledger.application.service_ledger import (
    MAX_PAGE_LIMIT,
    PAGE_LIMIT,
    LedgerLevel,
    LedgerPage,
    LedgerRow,
    office_ledger,
    service_ledger,
)

router = APIRouter(prefix="/ledgers/service", tags=["ledgers"])

Reader = Annotated[Principal, Depends(require_roles(Role.CASEWORKER, Role.VIEWER))]
_STATUS_TITLES = {
    "open": "待受理",
    "accepted": "已受理",
    "in_progress": "办理中",
    "resolved": "已办结",
    "reopened": "重新办理",
    "closed": "已结案",
}


DOWNLOAD_PAGE = MAX_PAGE_LIMIT  # places read per statement while a download streams
_MONEY_TITLES = {
    "claimed": "诉求金额（分）",
    "recovered": "追回金额（分）",
    "relief_paid": "发放救助金（分）",
    "funds_raised": "筹集资金（分）",
}


class ServiceLedgerRow(BaseModel):
    month: str = Field(description="登记月份 YYYY-MM")
    division_code: str = Field(
        description="地方区划代码（省 2 位、市 4 位、县 6 位、乡镇 9 位、村 12 位）；务工地比该级更粗时为其本身的代码"
    )
    cases: int = Field(description="本月登记的诉求数（户籍地和务工地各计一次）")
    by_status: dict[str, int] = Field(description="按当前状态")
    by_category: dict[str, int] = Field(description="按诉求类别")
    by_channel: dict[str, int] = Field(description="按受理渠道（unknown：未记录渠道）")
    on_time_rate_by_tier: dict[str, float] = Field(description="按办结时限档次的按时办结率（首次办结早于当时截止时间）")
    accept_median_s: float | None = Field(
        description="受理用时中位数（秒；按用时分档统计，1000 秒以上取 3 位有效数字）"
    )
    accept_p90_s: float | None = Field(description="受理用时 P90（秒）")
    resolve_median_s: float | None = Field(description="办结用时中位数（秒）")
    resolve_p90_s: float | None = Field(description="办结用时 P90（秒）")
    satisfaction_rate: float | None = Field(description="满意率：满意和基本满意 ÷ 有满意度的诉求")
    escalations: int = Field(description="上报督办次数")
    money_fen: dict[str, int] = Field(
        description="金额（分）：claimed 诉求金额、recovered 追回、relief_paid 救助金、funds_raised 筹集资金（含更正）"
    )
    certificates_issued: int = Field(description="本月为本地成员出具的证明数（含已撤销）")
    certificates_revoked: int = Field(description="其中已撤销的证明数")


class ServiceLedgerResponse(BaseModel):
    level: LedgerLevel
    area: str = Field(description="统计范围（区划代码前缀）；按受理单位时为该单位所在地")
    office_id: uuid.UUID | None = Field(default=None, description="按受理单位查看时：该单位")
    office_name: str | None = Field(default=None, description="按受理单位查看时：单位名称")
    rows: list[ServiceLedgerRow] = Field(
        description="按月、按地方（本页的地方，按区划代码排序）；一件诉求在户籍地和务工地各计一次"
    )
    totals: list[ServiceLedgerRow] = Field(description="统计范围合计（按月）：两地都在范围内的诉求只计一次；每页相同")
    next_cursor: str | None = Field(
        default=None, description="还有更多地方时：下一页的 cursor（本页最后一个地方的代码）；按受理单位查看时为空"
    )


def _named(counts: dict[str, int], labels: dict[str, str]) -> str:
    return "、".join(f"{labels.get(k, k)} {v}" for k, v in sorted(counts.items()))


def _flat(row: LedgerRow) -> dict[str, Any]:
    """A row as the download shows it: one column per status, the breakdowns as readable text."""
    flat: dict[str, Any] = {
        "month": row.month.strftime("%Y-%m"),
        "division_code": row.division_code,
        "cases": row.cases,
        "by_category": _named(row.by_category, {c.value: c.label for c in CaseCategory}),
        "by_channel": _named(row.by_channel, {c.value: c.label for c in Channel} | {"unknown": "未记录"}),
        "on_time": "、".join(f"{SlaTier(t).label} {rate:.1%}" for t, rate in sorted(row.on_time_rate_by_tier.items())),
        "accept_median_h": _hours(row.accept_median_s),
        "accept_p90_h": _hours(row.accept_p90_s),
        "resolve_median_h": _hours(row.resolve_median_s),
        "resolve_p90_h": _hours(row.resolve_p90_s),
        "satisfaction_rate": None if row.satisfaction_rate is None else round(row.satisfaction_rate * 100, 1),
        "escalations": row.escalations,
        **{f"{kind}_fen": row.money_fen.get(kind, 0) for kind in _MONEY_TITLES},
        "certificates_issued": row.certificates_issued,
        "certificates_revoked": row.certificates_revoked,
    }
    flat.update({f"status_{s}": n for s, n in row.by_status.items()})
    return flat


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


COLUMNS = [
    ("month", "月份"),
    ("division_code", "区划代码"),
    ("cases", "诉求数"),
    *((f"status_{s}", title) for s, title in _STATUS_TITLES.items()),
    ("by_category", "按类别"),
    ("by_channel", "按渠道"),
    ("on_time", "按时办结率（按时限档次）"),
    ("accept_median_h", "受理用时中位数（小时）"),
    ("accept_p90_h", "受理用时P90（小时）"),
    ("resolve_median_h", "办结用时中位数（小时）"),
    ("resolve_p90_h", "办结用时P90（小时）"),
    ("satisfaction_rate", "满意率（%）"),
    ("escalations", "上报督办次数"),
    *((f"{kind}_fen", title) for kind, title in _MONEY_TITLES.items()),
    ("certificates_issued", "出具证明数"),
    ("certificates_revoked", "其中已撤销"),
]


@router.get("", response_model=ServiceLedgerResponse, summary="服务台账（按月、按地方，含范围合计；按地方分页）")
async def ledger(
    principal: Reader,
    runtime: Runtime,
    query: Period,
    limit: Annotated[
        int, Query(ge=1, le=MAX_PAGE_LIMIT, description="每页地方数（每个地方含所选各月）；下载时不分页")
    ] = PAGE_LIMIT,
    cursor: Annotated[
        str | None, Query(pattern=r"^[0-9]{1,12}$", description="上一页返回的 next_cursor；缺省为第一页")
    ] = None,
) -> ServiceLedgerResponse | Response:
    office = None
    page_limit = limit if query.format == "json" else DOWNLOAD_PAGE
    async with runtime.pool.acquire() as conn:
        if query.office is not None:  # one office's ledger: its rows are its own total
            office, rows = await office_ledger(conn, principal, query.office, query.first, query.last)
            page = LedgerPage(rows, rows, None)
        else:
            page = await service_ledger(
                conn, principal, query.level, query.area, query.first, query.last, cursor=cursor or "", limit=page_limit
            )
    if query.format == "json":
        return ServiceLedgerResponse(
            level=query.level,
            area=office.division_code if office else principal.jurisdiction if query.area is None else query.area,
            office_id=office.office_id if office else None,
            office_name=office.name if office else None,
            rows=[_served(r) for r in page.rows],
            totals=[_served(r) for r in page.totals],
            next_cursor=page.next_cursor,
        )
    if office is not None:
        table = [_flat(r) | {"division_code": f"{office.name}（{r.division_code}）"} for r in page.rows]
        return tabular_response(table, COLUMNS, query.format, query.download_name("服务台账"))
    return tabular_response(
        _every_row(runtime, principal, query, page), COLUMNS, query.format, query.download_name("服务台账")
    )


async def _every_row(
    runtime: ServiceRuntime, principal: Principal, query: LedgerQuery, page: LedgerPage
) -> AsyncIterator[dict[str, Any]]:
    """A download: every place, page after page (the first already read, so a refusal comes before the
    download starts), never all in memory; it ends with the area's total per month (合计), each case
    counted once in it."""
    while True:
        for row in page.rows:
            yield _flat(row)
        if page.next_cursor is None:
            break
        async with runtime.pool.acquire() as conn:
            page = await service_ledger(
                conn,
                principal,
                query.level,
                query.area,
                query.first,
                query.last,
                cursor=page.next_cursor,
                limit=DOWNLOAD_PAGE,
            )
    for row in page.totals:
        yield _flat(row) | {"division_code": f"{row.division_code} 合计"}


def _served(r: LedgerRow) -> ServiceLedgerRow:
    return ServiceLedgerRow(
        month=r.month.strftime("%Y-%m"),
        division_code=r.division_code,
        cases=r.cases,
        by_status=r.by_status,
        by_category=r.by_category,
        by_channel=r.by_channel,
        on_time_rate_by_tier=r.on_time_rate_by_tier,
        accept_median_s=r.accept_median_s,
        accept_p90_s=r.accept_p90_s,
        resolve_median_s=r.resolve_median_s,
        resolve_p90_s=r.resolve_p90_s,
        satisfaction_rate=r.satisfaction_rate,
        escalations=r.escalations,
        money_fen=r.money_fen,
        certificates_issued=r.certificates_issued,
        certificates_revoked=r.certificates_revoked,
    )
