"""/courses: skills training — open, read, list, enrol, record completion."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from kite_common.clock import utcnow
from kite_common.http.preconditions import set_etag

from kite_jobs.api.deps import Reader, Runtime, Writer
from kite_jobs.api.schemas import (
    CompletionRequest,
    CoursePage,
    CourseResponse,
    EnrolmentPage,
    EnrolmentResponse,
    EnrolRequest,
    OpenCourseRequest,
)
from kite_jobs.application.training import complete, enrol, get_course, list_courses, list_enrolments, open_course
from kite_jobs.domain.course import CourseDetails

router = APIRouter(prefix="/courses", tags=["training"])


async def _one(runtime: Runtime, principal: Reader, course_id: uuid.UUID, response: Response) -> CourseResponse:
    async with runtime.pool.acquire() as conn:
        course = CourseResponse.model_validate(dict(await get_course(conn, principal, course_id)))
    set_etag(response, course.version)
    return course


@router.post("", status_code=201, response_model=CourseResponse, summary="开设技能培训班")
async def open_(body: OpenCourseRequest, principal: Writer, runtime: Runtime, response: Response) -> CourseResponse:
    details = CourseDetails(
        title=body.title,
        trade=body.trade,
        provider=body.provider,
        place_division_code=body.place_division_code,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        capacity=body.capacity,
        subsidy_fen=body.subsidy_fen,
        certificate=body.certificate,
    )
    course_id = await open_course(runtime.unit_of_work(), principal, details, body.area_division_code)
    response.headers["Location"] = f"/courses/{course_id}"
    return await _one(runtime, principal, course_id, response)


@router.get("/{course_id}", response_model=CourseResponse, summary="查看培训班")
async def get_one(course_id: uuid.UUID, principal: Reader, runtime: Runtime, response: Response) -> CourseResponse:
    return await _one(runtime, principal, course_id, response)


@router.get("", response_model=CoursePage, summary="查询本辖区培训班")
async def list_(
    principal: Reader,
    runtime: Runtime,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> CoursePage:
    async with runtime.pool.acquire() as conn:
        rows, next_cursor = await list_courses(conn, principal, limit, cursor)
    return CoursePage(items=[CourseResponse.model_validate(dict(r)) for r in rows], next_cursor=next_cursor)


@router.post(
    "/{course_id}/enrolments",
    status_code=201,
    response_model=CourseResponse,
    summary="报名培训",
    description="人员须在花名册上且户籍地在本辖区；名额已满或培训班已结束时拒绝。",
)
async def enrol_(
    course_id: uuid.UUID, body: EnrolRequest, principal: Writer, runtime: Runtime, response: Response
) -> CourseResponse:
    await enrol(runtime.unit_of_work(), principal, course_id, body.member_id, utcnow().date())
    return await _one(runtime, principal, course_id, response)


@router.get("/{course_id}/enrolments", response_model=EnrolmentPage, summary="查看报名与结业（限本辖区人员）")
async def enrolments(
    course_id: uuid.UUID,
    principal: Reader,
    runtime: Runtime,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> EnrolmentPage:
    async with runtime.pool.acquire() as conn:
        rows, next_cursor = await list_enrolments(conn, principal, course_id, limit, cursor)
    return EnrolmentPage(items=[EnrolmentResponse.model_validate(dict(r)) for r in rows], next_cursor=next_cursor)


@router.post(
    "/{course_id}/enrolments/{member_id}/completion",
    response_model=CourseResponse,
    summary="记录结业（该工种记为人员技能，发布 training-completed 事件）",
)
async def completion(
    course_id: uuid.UUID,
    member_id: uuid.UUID,
    body: CompletionRequest,
    principal: Writer,
    runtime: Runtime,
    response: Response,
) -> CourseResponse:
    await complete(runtime.unit_of_work(), principal, course_id, member_id, body.completed_on, utcnow().date())
    return await _one(runtime, principal, course_id, response)
