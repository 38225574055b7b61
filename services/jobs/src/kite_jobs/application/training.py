"""Use cases and reads of skills training: open a course in the caller's jurisdiction, enrol a member
of it (within capacity), record a completion (the course's trade becomes the member's skill: roster
receives training-completed)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import asyncpg
from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.db.types import Connection
from kite_common.domain import Forbidden, NotFound
from kite_common.ids import new_id
from kite_common.pagination import decode_cursor, encode_cursor
from kite_common.unit_of_work import UnitOfWork

from kite_jobs.application.member_access import member_origin
from kite_jobs.domain.course import Course, CourseDetails


class CourseNotFound(NotFound):
    code = "course-not-found"

    def __init__(self) -> None:
        super().__init__("未找到该培训班")


async def course_in_jurisdiction(uow: UnitOfWork, principal: Principal, course_id: uuid.UUID) -> Course:
    course = await uow.get(Course, course_id)
    if course.opened is None or not principal.covers(course.opened.area_division_code):
        raise CourseNotFound()
    return course


@command
async def open_course(uow: UnitOfWork, principal: Principal, details: CourseDetails, area: str) -> uuid.UUID:
    course = Course.create(new_id())
    course.open(details, area, principal.subject)
    if not principal.covers(area):
        raise Forbidden("不能在本辖区以外开设培训班", code="outside-jurisdiction")
    async with uow:
        await uow.save(course)
    return course.course_id


@command
async def enrol(uow: UnitOfWork, principal: Principal, course_id: uuid.UUID, member_id: uuid.UUID, today: date) -> None:
    async with uow:
        course = await course_in_jurisdiction(uow, principal, course_id)
        origin = await member_origin(uow.conn, principal, member_id)
        course.enrol(member_id, origin, principal.subject, today)
        await uow.save(course)


@command
async def complete(
    uow: UnitOfWork, principal: Principal, course_id: uuid.UUID, member_id: uuid.UUID, completed_on: date, today: date
) -> None:
    async with uow:
        course = await course_in_jurisdiction(uow, principal, course_id)
        await member_origin(uow.conn, principal, member_id)
        course.complete(member_id, completed_on, principal.subject, today)
        await uow.save(course)


async def get_course(conn: Connection, principal: Principal, course_id: uuid.UUID) -> asyncpg.Record:
    row = await conn.fetchrow("SELECT * FROM courses WHERE course_id = $1", course_id)
    if row is None or not principal.covers(row["area_division_code"]):
        raise CourseNotFound()
    return row


async def list_courses(
    conn: Connection, principal: Principal, limit: int, cursor: str | None
) -> tuple[list[asyncpg.Record], str | None]:
    args: list[Any] = [principal.jurisdiction_like]
    after = ""
    if cursor:
        args.append(decode_cursor(cursor))
        after = "AND course_id > $2"
    args.append(limit + 1)
    rows = await conn.fetch(
        f"SELECT * FROM courses WHERE area_division_code LIKE $1 {after} ORDER BY course_id LIMIT ${len(args)}", *args
    )
    next_cursor = encode_cursor(rows[limit - 1]["course_id"]) if len(rows) > limit else None
    return list(rows[:limit]), next_cursor


async def list_enrolments(
    conn: Connection, principal: Principal, course_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[asyncpg.Record], str | None]:
    await get_course(conn, principal, course_id)
    args: list[Any] = [course_id, principal.jurisdiction_like]
    after = ""
    if cursor:
        args.append(decode_cursor(cursor))
        after = "AND e.member_id > $3"
    args.append(limit + 1)
    rows = await conn.fetch(
        f"""SELECT e.*, m.name AS member_name FROM enrolments e LEFT JOIN members m USING (member_id)
            WHERE e.course_id = $1 AND e.member_origin_division_code LIKE $2 {after}
            ORDER BY e.member_id LIMIT ${len(args)}""",
        *args,
    )
    next_cursor = encode_cursor(rows[limit - 1]["member_id"]) if len(rows) > limit else None
    return list(rows[:limit]), next_cursor
