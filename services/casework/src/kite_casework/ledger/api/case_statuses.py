"""/ledgers/service/statuses: how many cases of an area are in each status now (all months), read from
the service ledger's counters — what a dashboard's "cases waiting to be accepted" counter shows,
without listing or counting the cases."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from kite_common.auth import Principal, Role, require_roles
from kite_common.http.app import RuntimeDep as Runtime
from pydantic import BaseModel, Field

from kite_casework.ledger.application.service_ledger import cases_by_status

router = APIRouter(prefix="/ledgers/service", tags=["ledgers"])

Reader = Annotated[Principal, Depends(require_roles(Role.CASEWORKER, Role.VIEWER))]


class CaseStatusCounts(BaseModel):
    area: str = Field(description="统计范围（区划代码前缀）")
    cases: int = Field(description="诉求总数（户籍地或务工地在范围内，各月合计，每件只计一次）")
    by_status: dict[str, int] = Field(
        description="按当前状态：open 待受理、accepted 已受理、in_progress 办理中、resolved 已办结、"
        "reopened 重新办理、closed 已结案"
    )


@router.get("/statuses", response_model=CaseStatusCounts, summary="诉求按当前状态计数（范围内全部月份）")
async def statuses(
    principal: Reader,
    runtime: Runtime,
    area: Annotated[str | None, Query(pattern=r"^[0-9]{1,12}$", description="区划代码前缀，缺省为管辖范围")] = None,
) -> CaseStatusCounts:
    async with runtime.pool.acquire() as conn:
        place, counts = await cases_by_status(conn, principal, area)
    return CaseStatusCounts(area=place, cases=sum(counts.values()), by_status=counts)
