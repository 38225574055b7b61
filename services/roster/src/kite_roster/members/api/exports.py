"""GET /members/export: any member search as a CSV or XLSX download (masked numbers only)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Annotated, Any, Literal

import asyncpg
from fastapi import APIRouter, Depends, Query, Response
from kite_common.auth import Principal, Role, require_roles
from kite_common.clock import utcnow
from kite_common.http.app import RuntimeDep as Runtime
from kite_common.http.tabular import DISPLAY_ZONE, tabular_response

from kite_roster.members.adapters.pii_vault import PiiVault
from kite_roster.members.api.member_search import SearchFilter, SortParam
from kite_roster.members.api.pii import pii_vault
from kite_roster.members.application.member_queries import iterate_members
from kite_roster.shared.divisions import county_name

# Mounted before the /members router, whose /{member_id} would otherwise take "export".
router = APIRouter(prefix="/members", tags=["members"])

Reader = Annotated[Principal, Depends(require_roles(Role.REGISTRAR, Role.VIEWER, Role.CASEWORKER, Role.PARTY_AFFAIRS))]
Vault = Annotated[PiiVault, Depends(pii_vault)]

MEMBER_COLUMNS: list[tuple[str, str]] = [
    ("name", "姓名"),
    ("gender", "性别"),
    ("birth_year", "出生年份"),
    ("id_number", "身份证号（脱敏）"),
    ("phone", "联系电话（脱敏）"),
    ("origin_division_code", "户籍地区划代码"),
    ("origin_county", "户籍县"),
    ("current_city", "务工地"),
    ("employer", "工作单位"),
    ("industry", "行业"),
    ("is_party_member", "是否党员"),
    ("skills", "技能"),
    ("languages", "语言"),
    ("disability", "残疾情况"),
    ("union_member", "是否工会会员"),
    ("status", "状态"),
    ("contact_status", "联系状态"),
    ("last_contact_at", "最近联系时间"),
    ("registered_at", "登记时间"),
    ("member_id", "人员编号"),
]
_GENDER = {"male": "男", "female": "女"}
_STATUS = {"active": "在册", "deregistered": "已注销"}
_CONTACT = {"in-contact": "联系正常", "lost": "失联"}


def export_row(row: Mapping[str, Any] | asyncpg.Record) -> dict[str, Any]:
    """A member as the export shows it: labels in Chinese, the county named; numbers stay masked."""
    out = dict(row)
    out["gender"] = _GENDER.get(row["gender"], row["gender"])
    out["status"] = _STATUS.get(row["status"], row["status"])
    out["contact_status"] = _CONTACT.get(row["contact_status"], row["contact_status"])
    out["origin_county"] = county_name(row["origin_division_code"]) or ""
    return out


@router.get(
    "/export",
    summary="导出人员查询结果（CSV 或 XLSX；身份证号和手机号脱敏）",
    response_class=Response,
    responses={
        200: {
            "content": {
                "text/csv": {},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
            },
            "description": "全部查询结果，按所选顺序",
        }
    },
)
async def export_members(
    principal: Reader,
    runtime: Runtime,
    f: SearchFilter,
    format: Annotated[Literal["csv", "xlsx"], Query(description="csv 或 xlsx")] = "csv",
    sort: SortParam = "registered",
) -> Response:
    """The same filters as GET /members, every matching member (no paging), streamed."""

    async def rows() -> AsyncIterator[dict[str, Any]]:
        async with runtime.pool.acquire() as conn:
            async for row in iterate_members(conn, principal, f, sort):
                yield export_row(row)

    stamp = utcnow().astimezone(DISPLAY_ZONE).strftime("%Y%m%d-%H%M")
    return tabular_response(rows(), MEMBER_COLUMNS, format, f"人员名单-{stamp}")
