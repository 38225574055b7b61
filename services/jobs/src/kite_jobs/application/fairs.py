"""Use cases and reads of job fairs (专场招聘). A fair is kept by the caller's jurisdiction; employers,
postings and members named in a request must be the caller's too (else refused as unknown). The
results row counts employers, postings, people registered and attending, offers, and placements
within N days: members registered at the fair placed through one of its postings, starting between
the fair's day and N days after."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

import asyncpg
from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.db.types import Connection
from kite_common.domain import Forbidden, NotFound, RuleViolation
from kite_common.ids import new_id
from kite_common.pagination import decode_cursor, encode_cursor
from kite_common.unit_of_work import UnitOfWork

from kite_jobs.application.access import employer_in_jurisdiction, posting_in_jurisdiction
from kite_jobs.application.member_access import member_origin
from kite_jobs.application.queries import Page
from kite_jobs.domain.fair import Fair, FairDetails


class FairNotFound(NotFound):
    code = "fair-not-found"

    def __init__(self) -> None:
        super().__init__("未找到该招聘会")


async def fair_in_jurisdiction(uow: UnitOfWork, principal: Principal, fair_id: uuid.UUID) -> Fair:
    fair = await uow.get(Fair, fair_id)
    if fair.organised is None or not principal.covers(fair.organised.area_division_code):
        raise FairNotFound()
    return fair


def _unknown(field: str, message: str, code: str) -> RuleViolation:
    return RuleViolation(message, code=code, errors=[{"field": field, "code": "unknown", "message": message}])


@command
async def organise_fair(
    uow: UnitOfWork, principal: Principal, details: FairDetails, area: str, today: date
) -> uuid.UUID:
    fair = Fair.create(new_id())
    fair.organise(details, area, principal.subject, today)
    if not principal.covers(area):
        raise Forbidden("不能在本辖区以外登记招聘会", code="outside-jurisdiction")
    async with uow:
        await uow.save(fair)
    return fair.fair_id


@command
async def join_fair(
    uow: UnitOfWork,
    principal: Principal,
    fair_id: uuid.UUID,
    employer_id: uuid.UUID,
    posting_ids: Sequence[uuid.UUID],
    today: date,
) -> None:
    async with uow:
        fair = await fair_in_jurisdiction(uow, principal, fair_id)
        try:
            await employer_in_jurisdiction(uow, principal, employer_id)
        except NotFound as exc:
            raise _unknown("employer_id", "用人单位不存在，请先登记用人单位", "unknown-employer") from exc
        for pid in posting_ids:
            try:
                posting = await posting_in_jurisdiction(uow, principal, pid)
            except NotFound as exc:
                raise _unknown("posting_ids", "岗位不存在", "unknown-posting") from exc
            if posting.employer_id != employer_id or not posting.is_open_on(today):
                raise _unknown("posting_ids", "岗位不属于该用人单位或已停止招聘", "unknown-posting")
        if fair.join(employer_id, posting_ids, principal.subject):
            await uow.save(fair)


@command
async def register_for_fair(
    uow: UnitOfWork, principal: Principal, fair_id: uuid.UUID, member_id: uuid.UUID, invited: bool, today: date
) -> None:
    async with uow:
        fair = await fair_in_jurisdiction(uow, principal, fair_id)
        origin = await member_origin(uow.conn, principal, member_id)
        if fair.register(member_id, origin, invited, principal.subject, today):
            await uow.save(fair)


@command
async def check_in(
    uow: UnitOfWork, principal: Principal, fair_id: uuid.UUID, member_id: uuid.UUID, today: date
) -> None:
    async with uow:
        fair = await fair_in_jurisdiction(uow, principal, fair_id)
        await member_origin(uow.conn, principal, member_id)
        if fair.check_in(member_id, principal.subject, today):
            await uow.save(fair)


@command
async def record_offer(
    uow: UnitOfWork, principal: Principal, fair_id: uuid.UUID, member_id: uuid.UUID, posting_id: uuid.UUID
) -> None:
    async with uow:
        fair = await fair_in_jurisdiction(uow, principal, fair_id)
        await member_origin(uow.conn, principal, member_id)
        if fair.offer(member_id, posting_id, principal.subject):
            await uow.save(fair)


FAIR_COLUMNS: tuple[tuple[str, str], ...] = (
    ("fair_id", "招聘会编号"),
    ("title", "招聘会名称"),
    ("held_on", "举办日期"),
    ("online", "线上"),
    ("place_division_code", "举办地点"),
    ("employers", "参会单位数"),
    ("postings", "岗位数"),
    ("registered", "报名人数"),
    ("invited", "其中邀约人数"),
    ("attended", "签到人数"),
    ("offers", "达成意向数"),
    ("placed", "期内就业人数"),
)

_RESULTS = """
SELECT f.fair_id, f.title, f.held_on, f.online, f.place_division_code, f.area_division_code, f.organisers,
       f.version,
       (SELECT count(DISTINCT employer_id) FROM fair_postings fp WHERE fp.fair_id = f.fair_id) AS employers,
       (SELECT count(*) FROM fair_postings fp WHERE fp.fair_id = f.fair_id) AS postings,
       (SELECT count(*) FROM fair_attendees a WHERE a.fair_id = f.fair_id) AS registered,
       (SELECT count(*) FROM fair_attendees a WHERE a.fair_id = f.fair_id AND a.invited) AS invited,
       (SELECT count(*) FROM fair_attendees a WHERE a.fair_id = f.fair_id AND a.checked_in_at IS NOT NULL)
           AS attended,
       (SELECT count(*) FROM fair_offers o WHERE o.fair_id = f.fair_id) AS offers,
       (SELECT count(*) FROM fair_postings fp
            JOIN placements p ON p.posting_id = fp.posting_id
            JOIN fair_attendees a ON a.fair_id = fp.fair_id AND a.member_id = p.member_id
        WHERE fp.fair_id = f.fair_id AND p.start_date BETWEEN f.held_on AND f.held_on + $2::int) AS placed
FROM fairs f
"""


async def fair_results(conn: Connection, principal: Principal, fair_id: uuid.UUID, within_days: int) -> asyncpg.Record:
    row = await conn.fetchrow(_RESULTS + " WHERE f.fair_id = $1", fair_id, within_days)
    if row is None or not principal.covers(row["area_division_code"]):
        raise FairNotFound()
    return row


async def fairs_ledger(conn: Connection, principal: Principal, within_days: int) -> list[dict[str, Any]]:
    """Every fair of the caller's jurisdiction, a results row each, by fair id (time order)."""
    rows = await conn.fetch(
        _RESULTS + " WHERE f.area_division_code LIKE $1 ORDER BY f.fair_id", principal.jurisdiction_like, within_days
    )
    return [dict(r) for r in rows]


async def _fair_of_caller(conn: Connection, principal: Principal, fair_id: uuid.UUID) -> None:
    area = await conn.fetchval("SELECT area_division_code FROM fairs WHERE fair_id = $1", fair_id)
    if area is None or not principal.covers(area):
        raise FairNotFound()


async def fair_employers(
    conn: Connection, principal: Principal, fair_id: uuid.UUID, limit: int, cursor: str | None
) -> Page:
    """The employers that brought postings to a fair of the caller's jurisdiction (employers of other
    places come to a county's fair), with how many postings each brought, keyset pages by employer id.
    A fair's postings are few (read by the fair's primary-key prefix), so grouping them is cheap."""
    await _fair_of_caller(conn, principal, fair_id)
    args: list[Any] = [fair_id]
    where = ""
    if cursor:
        args.append(decode_cursor(cursor))
        where = f" AND fp.employer_id > ${len(args)}"
    args.append(limit + 1)
    rows = await conn.fetch(
        f"""SELECT fp.employer_id, e.name AS employer_name, e.industry, e.hiring_division_code, e.verified,
                   count(*) AS postings
            FROM fair_postings fp LEFT JOIN employers e USING (employer_id)
            WHERE fp.fair_id = $1{where}
            GROUP BY fp.employer_id, e.name, e.industry, e.hiring_division_code, e.verified
            ORDER BY fp.employer_id LIMIT ${len(args)}""",
        *args,
    )
    next_cursor = encode_cursor(rows[limit - 1]["employer_id"]) if len(rows) > limit else None
    return list(rows[:limit]), next_cursor


async def fair_postings(
    conn: Connection,
    principal: Principal,
    fair_id: uuid.UUID,
    employer_id: uuid.UUID | None,
    limit: int,
    cursor: str | None,
) -> Page:
    """The postings brought to a fair of the caller's jurisdiction (or one employer's of them), with
    their employer's name, keyset pages by posting id."""
    await _fair_of_caller(conn, principal, fair_id)
    args: list[Any] = [fair_id]
    where = ""
    if employer_id is not None:
        args.append(employer_id)
        where += f" AND fp.employer_id = ${len(args)}"
    if cursor:
        args.append(decode_cursor(cursor))
        where += f" AND fp.posting_id > ${len(args)}"
    args.append(limit + 1)
    rows = await conn.fetch(
        f"""SELECT fp.posting_id, fp.employer_id, e.name AS employer_name, p.title, p.headcount,
                   p.wage_min_fen, p.wage_max_fen, p.place_division_code, p.place_label, p.status
            FROM fair_postings fp
                 LEFT JOIN postings p USING (posting_id)
                 LEFT JOIN employers e ON e.employer_id = fp.employer_id
            WHERE fp.fair_id = $1{where}
            ORDER BY fp.posting_id LIMIT ${len(args)}""",
        *args,
    )
    next_cursor = encode_cursor(rows[limit - 1]["posting_id"]) if len(rows) > limit else None
    return list(rows[:limit]), next_cursor


async def fair_attendees(
    conn: Connection,
    principal: Principal,
    fair_id: uuid.UUID,
    invited: bool | None,
    limit: int,
    cursor: str | None,
) -> Page:
    """A fair's registrations (or only its invitees, or only those who came by themselves), by member
    id, keyset pages on the attendees' primary key: the fair must be the caller's, and only members
    whose home is in the caller's jurisdiction are listed (a city's staff may register members of
    several counties)."""
    await _fair_of_caller(conn, principal, fair_id)
    args: list[Any] = [fair_id, principal.jurisdiction_like]
    where = ""
    if invited is not None:
        args.append(invited)
        where += f" AND a.invited = ${len(args)}"
    if cursor:
        args.append(decode_cursor(cursor))
        where += f" AND a.member_id > ${len(args)}"
    args.append(limit + 1)
    rows = await conn.fetch(
        f"""SELECT a.member_id, m.name AS member_name, a.member_origin_division_code, a.invited,
                   a.registered_at, a.checked_in_at
            FROM fair_attendees a LEFT JOIN members m USING (member_id)
            WHERE a.fair_id = $1 AND a.member_origin_division_code LIKE $2{where}
            ORDER BY a.member_id LIMIT ${len(args)}""",
        *args,
    )
    next_cursor = encode_cursor(rows[limit - 1]["member_id"]) if len(rows) > limit else None
    return list(rows[:limit]), next_cursor
