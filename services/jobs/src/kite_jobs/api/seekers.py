"""/seekers/{member_id}: 求职登记 (record, read) and the best postings for a job-seeker."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from kite_common.clock import utcnow

from kite_jobs.api.deps import Reader, Runtime, Writer
from kite_jobs.api.schemas import (
    PostingResponse,
    Recommendations,
    RecommendedPosting,
    RegisterSeekerRequest,
    ScorePartResponse,
    SeekerResponse,
)
from kite_jobs.application.queries import get_seeker
from kite_jobs.application.recommend_postings import recommend_postings
from kite_jobs.application.register_seeker import register_seeker
from kite_jobs.domain.seeker import SeekerDetails

router = APIRouter(prefix="/seekers/{member_id}", tags=["seekers"])


async def _one(runtime: Runtime, principal: Reader, member_id: uuid.UUID) -> SeekerResponse:
    async with runtime.pool.acquire() as conn:
        return SeekerResponse.model_validate(dict(await get_seeker(conn, principal, member_id)))


@router.put(
    "",
    response_model=SeekerResponse,
    summary="求职登记（登记或更新求职意向）",
    description="人员须在花名册上且户籍地在本辖区；技能和年龄取自花名册。再次登记整体替换上一次。",
)
async def register(
    member_id: uuid.UUID, body: RegisterSeekerRequest, principal: Writer, runtime: Runtime
) -> SeekerResponse:
    details = SeekerDetails(
        desired_division_code=body.desired_division_code,
        expected_wage_fen=body.expected_wage_fen,
        available_from=body.available_from,
        willing_to_move=body.willing_to_move,
        certificates=body.certificates,
    )
    await register_seeker(runtime.unit_of_work(), principal, member_id, details, utcnow().date())
    return await _one(runtime, principal, member_id)


@router.get("", response_model=SeekerResponse, summary="查看求职登记")
async def get_one(member_id: uuid.UUID, principal: Reader, runtime: Runtime) -> SeekerResponse:
    return await _one(runtime, principal, member_id)


@router.get(
    "/recommended-postings",
    response_model=Recommendations,
    summary="为求职人员推荐岗位（本辖区发布的在招岗位）",
    description="与岗位匹配同一规则与得分（技能40、地点30、薪资20、到岗10），只读，不产生事件。",
)
async def recommended(
    member_id: uuid.UUID,
    principal: Reader,
    runtime: Runtime,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Recommendations:
    async with runtime.pool.acquire() as conn:
        candidate, found = await recommend_postings(conn, principal, member_id, utcnow().date(), limit)
    return Recommendations(
        member_id=member_id,
        priority=int(candidate.priority),
        priority_label=candidate.priority.label,
        items=[
            RecommendedPosting(
                posting=PostingResponse.model_validate(dict(r.posting)),
                score=r.match.score,
                score_parts=[ScorePartResponse.model_validate(p.model_dump()) for p in r.match.parts],
            )
            for r in found
        ],
    )
