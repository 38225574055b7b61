"""/postings: open, get, list."""

from __future__ import annotations

import uuid
from typing import Annotated

import asyncpg
from fastapi import APIRouter, Query, Response

from kite_jobs.api.deps import Reader, Runtime, Writer
from kite_jobs.api.schemas import OpenPostingRequest, PostingPage, PostingResponse
from kite_jobs.application.open_posting import open_posting
from kite_jobs.application.queries import get_posting, list_postings
from kite_jobs.domain.posting import PostingDetails

router = APIRouter(prefix="/postings", tags=["postings"])


def _to_response(row: asyncpg.Record) -> PostingResponse:
    return PostingResponse.model_validate(dict(row))


@router.post("", status_code=201, response_model=PostingResponse, summary="发布岗位")
async def open_(body: OpenPostingRequest, principal: Writer, runtime: Runtime, response: Response) -> PostingResponse:
    details = PostingDetails(
        employer_id=body.employer_id,
        title=body.title,
        city=body.city,
        skills_required=tuple(body.skills_required),
        headcount=body.headcount,
        wage_min=body.wage_min,
        wage_max=body.wage_max,
        area_division_code=body.area_division_code,
    )
    posting = await open_posting(runtime.unit_of_work(), principal, details)
    async with runtime.pool.acquire() as conn:
        row = await get_posting(conn, posting.posting_id)
    response.headers["Location"] = f"/postings/{posting.posting_id}"
    return _to_response(row)


@router.get("/{posting_id}", response_model=PostingResponse, summary="查看岗位")
async def get_one(posting_id: uuid.UUID, principal: Reader, runtime: Runtime) -> PostingResponse:
    async with runtime.pool.acquire() as conn:
        return _to_response(await get_posting(conn, posting_id))


@router.get("", response_model=PostingPage, summary="查询岗位")
async def list_(
    principal: Reader,
    runtime: Runtime,
    city: Annotated[str | None, Query(max_length=50, description="工作城市")] = None,
    employer_id: Annotated[uuid.UUID | None, Query(description="用人单位")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> PostingPage:
    async with runtime.pool.acquire() as conn:
        rows, next_cursor = await list_postings(conn, city, employer_id, limit, cursor)
    return PostingPage(items=[_to_response(r) for r in rows], next_cursor=next_cursor)
