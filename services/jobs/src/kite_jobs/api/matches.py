"""/postings/{id}/match and /postings/{id}/matches: match job-seekers to a posting, list its matches."""

from __future__ import annotations

import json
import uuid
from typing import Annotated

import asyncpg
from fastapi import APIRouter, Query
from kite_common.clock import utcnow

from kite_jobs.api.deps import Reader, Runtime, Writer
from kite_jobs.api.schemas import MatchPage, MatchResponse, MatchResult, ScorePartResponse
from kite_jobs.application.match_posting import MATCH_CAP, match_posting
from kite_jobs.application.queries import list_matches, member_names
from kite_jobs.domain.priority import Priority

router = APIRouter(prefix="/postings/{posting_id}", tags=["matching"])


def _priority_label(priority: int | None) -> str | None:
    return None if priority is None else Priority(priority).label


def _to_response(row: asyncpg.Record) -> MatchResponse:
    parts = row["score_parts"]
    parts = json.loads(parts) if isinstance(parts, str) else parts
    return MatchResponse.model_validate(
        dict(row) | {"score_parts": parts, "priority_label": _priority_label(row["priority"])}
    )


_MATCH_DOC = (
    "在调用者辖区（户籍地）已做求职登记、尚未匹配过该岗位的人员中匹配。硬性条件：至少具备一项所需技能、"
    "意向工作地同城（区划代码前4位相同）或本人愿意流动、期望月薪不高于上限、具备所需证书、年龄符合要求、"
    "截止日前可上岗。排序：先按户帮扶优先级（建档立卡/监测户无人就业者优先，其次仅一人就业者），再按得分"
    "（技能40、地点30、薪资20、到岗10，共100分），每项得分附说明。每名新匹配人员产生一条 job-matched 事件。"
)


@router.post("/match", response_model=MatchResult, summary="为岗位匹配本辖区求职人员", description=_MATCH_DOC)
async def match(
    posting_id: uuid.UUID,
    principal: Writer,
    runtime: Runtime,
    limit: Annotated[int, Query(ge=1, le=MATCH_CAP, description="最多匹配人数")] = 50,
) -> MatchResult:
    events = await match_posting(runtime.unit_of_work(), principal, posting_id, utcnow().date(), limit)
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
                priority=e.priority,
                priority_label=_priority_label(e.priority),
                score_parts=[ScorePartResponse.model_validate(p.model_dump()) for p in e.score_parts],
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
