"""/postings: open, get, list, close."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from kite_common.clock import utcnow
from kite_common.http.preconditions import IfMatch, set_etag

from kite_jobs.api.deps import Reader, Runtime, Writer
from kite_jobs.api.schemas import ClosePostingRequest, OpenPostingRequest, PostingPage, PostingResponse
from kite_jobs.application.close_posting import close_posting
from kite_jobs.application.open_posting import open_posting
from kite_jobs.application.queries import PostingFilter, get_posting, list_postings
from kite_jobs.domain.posting import PostingDetails

router = APIRouter(prefix="/postings", tags=["postings"])


async def _one(runtime: Runtime, principal: Reader, posting_id: uuid.UUID, response: Response) -> PostingResponse:
    async with runtime.pool.acquire() as conn:
        posting = PostingResponse.model_validate(dict(await get_posting(conn, principal, posting_id)))
    set_etag(response, posting.version)
    return posting


@router.post(
    "",
    status_code=201,
    response_model=PostingResponse,
    summary="发布岗位",
    description="工资以分为单位，下限不高于上限；招聘人数至少1人；工作地为区划代码；岗位归用人单位所属辖区。",
)
async def open_(body: OpenPostingRequest, principal: Writer, runtime: Runtime, response: Response) -> PostingResponse:
    details = PostingDetails(
        employer_id=body.employer_id,
        title=body.title,
        trades=tuple(body.trades),
        skills_required=tuple(body.skills_required),
        headcount=body.headcount,
        wage_min_fen=body.wage_min_fen,
        wage_max_fen=body.wage_max_fen,
        place_division_code=body.place_division_code,
        place_label=body.place_label,
        housing=body.housing,
        meals=body.meals,
        age_min=body.age_min,
        age_max=body.age_max,
        certificates_required=tuple(body.certificates_required),
        opens_on=body.opens_on,
        closes_on=body.closes_on,
    )
    posting = await open_posting(runtime.unit_of_work(), principal, details, utcnow().date())
    response.headers["Location"] = f"/postings/{posting.posting_id}"
    return await _one(runtime, principal, posting.posting_id, response)


@router.get("/{posting_id}", response_model=PostingResponse, summary="查看岗位")
async def get_one(posting_id: uuid.UUID, principal: Reader, runtime: Runtime, response: Response) -> PostingResponse:
    return await _one(runtime, principal, posting_id, response)


@router.get("", response_model=PostingPage, summary="查询本辖区岗位")
async def list_(
    principal: Reader,
    runtime: Runtime,
    employer_id: Annotated[uuid.UUID | None, Query(description="用人单位")] = None,
    place: Annotated[
        str | None, Query(pattern=r"^[0-9]{2,12}$", description="工作地区划代码前缀（2/4/6/9/12位）")
    ] = None,
    status: Annotated[Literal["open", "closed"] | None, Query(description="状态")] = None,
    marked_wage_arrears: Annotated[
        bool | None,
        Query(description="true：仅列用人单位有未办结欠薪诉求的岗位；false：仅列没有的"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> PostingPage:
    async with runtime.pool.acquire() as conn:
        rows, next_cursor = await list_postings(
            conn, principal, PostingFilter(employer_id, place, status, marked_wage_arrears), limit, cursor
        )
    return PostingPage(items=[PostingResponse.model_validate(dict(r)) for r in rows], next_cursor=next_cursor)


@router.post("/{posting_id}/closure", response_model=PostingResponse, summary="关闭岗位（停止招聘）")
async def close(
    posting_id: uuid.UUID,
    body: ClosePostingRequest,
    principal: Writer,
    runtime: Runtime,
    response: Response,
    if_match: IfMatch,
) -> PostingResponse:
    await close_posting(runtime.unit_of_work(), principal, posting_id, body.reason, if_match)
    return await _one(runtime, principal, posting_id, response)
