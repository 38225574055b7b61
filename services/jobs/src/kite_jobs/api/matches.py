"""/postings/{id}/match and /postings/{id}/matches: match members to a posting, list its matches."""

from __future__ import annotations

import uuid
from typing import Annotated

import asyncpg
from fastapi import APIRouter, Query

from kite_jobs.api.deps import Reader, Runtime, Writer
from kite_jobs.api.schemas import MatchPage, MatchResponse, MatchResult
from kite_jobs.application.match_posting import match_posting
from kite_jobs.application.queries import list_matches, member_names

router = APIRouter(prefix="/postings/{posting_id}", tags=["matching"])


def _to_response(row: asyncpg.Record) -> MatchResponse:
    return MatchResponse.model_validate(dict(row))


_MATCH_DOC = "按同城、技能重合度匹配调用者辖区内（户籍地）尚未匹配过的人员；每名新匹配人员产生一条 job-matched 事件。"


@router.post("/match", response_model=MatchResult, summary="为岗位匹配本辖区人员", description=_MATCH_DOC)
async def match(posting_id: uuid.UUID, principal: Writer, runtime: Runtime) -> MatchResult:
    events = await match_posting(runtime.unit_of_work(), principal, posting_id)
    async with runtime.pool.acquire() as conn:
        names = await member_names(conn, [e.member_id for e in events])
    return MatchResult(
        items=[
            MatchResponse(
                posting_id=e.posting_id,
                member_id=e.member_id,
                member_name=names.get(e.member_id),
                matched_skills=e.matched_skills,
                score=e.score,
                member_origin_division_code=e.member_origin_division_code,
            )
            for e in events
        ]
    )


@router.get("/matches", response_model=MatchPage, summary="查看岗位匹配结果（限本辖区人员）")
async def list_(
    posting_id: uuid.UUID,
    principal: Reader,
    runtime: Runtime,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> MatchPage:
    async with runtime.pool.acquire() as conn:
        rows, next_cursor = await list_matches(conn, principal, posting_id, limit, cursor)
    return MatchPage(items=[_to_response(r) for r in rows], next_cursor=next_cursor)
