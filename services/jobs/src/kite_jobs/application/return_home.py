"""Use cases and reads of return-home business and talent recall. A venture lies in the caller's
jurisdiction (its place) and its entrepreneur is a member of it; a campaign belongs to the caller's
jurisdiction and reaches its members. Outside, records answer as missing."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
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
from kite_jobs.domain.return_home import (
    RecallCampaign,
    RecallOutcome,
    SupportKind,
    Venture,
    VentureDetails,
)


class VentureNotFound(NotFound):
    code = "venture-not-found"

    def __init__(self) -> None:
        super().__init__("未找到该创业项目")


class CampaignNotFound(NotFound):
    code = "recall-campaign-not-found"

    def __init__(self) -> None:
        super().__init__("未找到该人才回引活动")


@command
async def register_venture(
    uow: UnitOfWork, principal: Principal, member_id: uuid.UUID, details: VentureDetails, today: date
) -> uuid.UUID:
    venture = Venture.create(new_id())
    venture.register(member_id, details, principal.subject, today)
    if not principal.covers(details.place_division_code):
        raise Forbidden("不能登记本辖区以外的创业项目", code="outside-jurisdiction")
    async with uow:
        await member_origin(uow.conn, principal, member_id)
        await uow.save(venture)
    return venture.venture_id


async def _venture(uow: UnitOfWork, principal: Principal, venture_id: uuid.UUID) -> Venture:
    venture = await uow.get(Venture, venture_id)
    if venture.registered is None or not principal.covers(venture.registered.place_division_code):
        raise VentureNotFound()
    return venture


@command
async def support_venture(
    uow: UnitOfWork,
    principal: Principal,
    venture_id: uuid.UUID,
    kind: SupportKind,
    amount_fen: int,
    given_on: date,
    note: str | None,
    today: date,
) -> None:
    async with uow:
        venture = await _venture(uow, principal, venture_id)
        venture.support(kind, amount_fen, given_on, note, principal.subject, today)
        await uow.save(venture)


@command
async def report_venture_jobs(
    uow: UnitOfWork,
    principal: Principal,
    venture_id: uuid.UUID,
    jobs_created: int,
    investment_fen: int,
    reported_on: date,
    today: date,
) -> None:
    async with uow:
        venture = await _venture(uow, principal, venture_id)
        venture.report_jobs(jobs_created, investment_fen, reported_on, principal.subject, today)
        await uow.save(venture)


async def get_venture(conn: Connection, principal: Principal, venture_id: uuid.UUID) -> asyncpg.Record:
    row = await conn.fetchrow(
        "SELECT v.*, m.name AS member_name FROM ventures v LEFT JOIN members m USING (member_id) WHERE venture_id = $1",
        venture_id,
    )
    if row is None or not principal.covers(row["place_division_code"]):
        raise VentureNotFound()
    return row


VENTURE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("area_division_code", "区划代码"),
    ("ventures", "创业项目数"),
    ("investment_fen", "投资额（分）"),
    ("jobs_created", "带动就业人数"),
    ("support_fen", "扶持金额（分）"),
)


async def venture_ledger(conn: Connection, principal: Principal, digits: int) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """SELECT rpad(left(place_division_code, $2), 12, '0') AS area_division_code, count(*) AS ventures,
                  sum(investment_fen)::bigint AS investment_fen, sum(jobs_created)::bigint AS jobs_created,
                  sum(support_fen)::bigint AS support_fen
           FROM ventures WHERE place_division_code LIKE $1 GROUP BY 1 ORDER BY 1""",
        principal.jurisdiction_like,
        digits,
    )
    return [dict(r) for r in rows]


@command
async def open_campaign(
    uow: UnitOfWork, principal: Principal, title: str, skills: Sequence[str], area: str
) -> uuid.UUID:
    campaign = RecallCampaign.create(new_id())
    campaign.open(title, skills, area, principal.subject)
    if not principal.covers(area):
        raise Forbidden("不能在本辖区以外开展人才回引", code="outside-jurisdiction")
    async with uow:
        await uow.save(campaign)
    return campaign.campaign_id


async def _campaign(uow: UnitOfWork, principal: Principal, campaign_id: uuid.UUID) -> RecallCampaign:
    campaign = await uow.get(RecallCampaign, campaign_id)
    if campaign.opened is None or not principal.covers(campaign.opened.area_division_code):
        raise CampaignNotFound()
    return campaign


@command
async def record_recall_outcome(
    uow: UnitOfWork, principal: Principal, campaign_id: uuid.UUID, member_id: uuid.UUID, outcome: RecallOutcome
) -> None:
    async with uow:
        campaign = await _campaign(uow, principal, campaign_id)
        origin = await member_origin(uow.conn, principal, member_id)
        if campaign.record(member_id, origin, outcome, principal.subject):
            await uow.save(campaign)


async def get_campaign(conn: Connection, principal: Principal, campaign_id: uuid.UUID) -> asyncpg.Record:
    row = await conn.fetchrow(
        """SELECT c.*,
                  (SELECT count(*) FROM recall_outcomes o WHERE o.campaign_id = c.campaign_id) AS reached,
                  (SELECT count(*) FROM recall_outcomes o WHERE o.campaign_id = c.campaign_id
                      AND o.outcome = 'interested') AS interested,
                  (SELECT count(*) FROM recall_outcomes o WHERE o.campaign_id = c.campaign_id
                      AND o.outcome = 'returned') AS returned
           FROM recall_campaigns c WHERE c.campaign_id = $1""",
        campaign_id,
    )
    if row is None or not principal.covers(row["area_division_code"]):
        raise CampaignNotFound()
    return row


async def talent_pool(
    conn: Connection, principal: Principal, campaign_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[asyncpg.Record], str | None]:
    """Members from the caller's jurisdiction with any skill the campaign wants, still on the roster, with
    the campaign's outcome for each so far; by member id (the skills GIN and the origin btree)."""
    campaign = await get_campaign(conn, principal, campaign_id)
    args: list[Any] = [principal.jurisdiction_like, campaign["skills_wanted"]]
    after = ""
    if cursor:
        args.append(decode_cursor(cursor))
        after = f"AND m.member_id > ${len(args)}"
    args += [campaign_id, limit + 1]
    rows = await conn.fetch(
        f"""SELECT m.member_id, m.name, m.origin_division_code, m.current_city, m.skills, o.outcome
            FROM members m LEFT JOIN recall_outcomes o ON o.campaign_id = ${len(args) - 1} AND o.member_id = m.member_id
            WHERE m.origin_division_code LIKE $1 AND m.skills && $2::text[] AND m.deregistered_at IS NULL {after}
            ORDER BY m.member_id LIMIT ${len(args)}""",
        *args,
    )
    next_cursor = encode_cursor(rows[limit - 1]["member_id"]) if len(rows) > limit else None
    return list(rows[:limit]), next_cursor
