"""Broadcasts in PostgreSQL: their progress, the members each batch reaches, and their inbox rows."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from kite_notify.adapters.db import Conn
from kite_notify.domain.templates import TemplateText

_NIL = uuid.UUID(int=0)
_COLUMNS = """broadcast_id, division_prefix, party_members_only, texts, send_at, status, sent, opted_out, batches,
              jurisdiction, created_by, created_at, finished_at, cursor_origin, cursor_member, organisation_id,
              fair_id, monitored_only, trades, channels, messages_queued, robots, robots_queued"""


@dataclass(frozen=True)
class Audience:
    """Who a broadcast goes to: the members under `prefix` (for an organisation or a fair, the place it
    is of), narrowed to an organisation's sub-tree or a fair's invitees, and by the filters."""

    prefix: str
    organisation_id: uuid.UUID | None = None
    fair_id: uuid.UUID | None = None
    party_members_only: bool = False
    monitored_only: bool = False
    trades: tuple[str, ...] = ()

    @classmethod
    def of(cls, row: asyncpg.Record) -> Audience:
        return cls(
            row["division_prefix"],
            row["organisation_id"],
            row["fair_id"],
            row["party_members_only"],
            row["monitored_only"],
            tuple(row["trades"] or ()),
        )

    def where(self, first: int) -> tuple[str, list[Any]]:
        """SQL conditions on `d` (member_directory) and their parameters, numbered from `first`."""
        params: list[Any] = []

        def p(value: Any) -> str:
            params.append(value)
            return f"${first + len(params) - 1}"

        sql = "d.deregistered_at IS NULL"
        if self.organisation_id is not None:
            sql += f""" AND d.member_id IN (
                SELECT m.member_id FROM org_memberships m WHERE m.organisation_id IN (
                    WITH RECURSIVE tree AS (
                        SELECT organisation_id FROM organisations WHERE organisation_id = {p(self.organisation_id)}
                        UNION
                        SELECT o.organisation_id FROM organisations o JOIN tree t ON o.parent_id = t.organisation_id
                            WHERE o.dissolved_at IS NULL)
                    SELECT organisation_id FROM tree))"""
        elif self.fair_id is not None:
            sql += f" AND d.member_id IN (SELECT member_id FROM fair_invitees WHERE fair_id = {p(self.fair_id)})"
        else:
            sql += f' AND d.origin_division_code COLLATE "C" LIKE {p(self.prefix + "%")}'
        if self.party_members_only:
            sql += " AND d.is_party_member"
        if self.monitored_only:
            sql += """ AND d.member_id IN (SELECT hm.member_id FROM household_members hm
                       JOIN monitored_households h ON h.household_id = hm.household_id WHERE h.monitored)"""
        if self.trades:
            sql += f" AND d.skills && {p(list(self.trades))}::text[]"
        return sql, params


@dataclass(frozen=True)
class Recipient:
    member_id: uuid.UUID
    name: str
    origin_division_code: str
    languages: list[str]
    preferred: str | None
    wants_broadcasts: bool
    channels: tuple[str, ...] = ("in_app",)  # the member's channels in order of preference
    phone_enc: str | None = None
    email_enc: str | None = None
    quiet: tuple[Any, Any, str] | None = None  # start, end, timezone


def texts_of(row: asyncpg.Record) -> dict[str, TemplateText]:
    raw: dict[str, Any] = json.loads(row["texts"]) if isinstance(row["texts"], str) else row["texts"]
    return {lang: TemplateText(t["title"], t["body"]) for lang, t in raw.items()}


async def insert(
    conn: Conn,
    broadcast_id: uuid.UUID,
    prefix: str,
    organisation_id: uuid.UUID | None,
    party_members_only: bool,
    texts: dict[str, TemplateText],
    send_at: datetime,
    jurisdiction: str,
    created_by: str,
    now: datetime,
    audience: Audience | None = None,
    channels: tuple[str, ...] = ("in_app",),
    robots: bool = False,
) -> None:
    audience = audience or Audience(prefix, organisation_id, None, party_members_only)
    await conn.execute(
        """INSERT INTO broadcasts (broadcast_id, division_prefix, party_members_only, texts, send_at, status,
                                   jurisdiction, created_by, created_at, organisation_id, fair_id, monitored_only,
                                   trades, channels, robots)
           VALUES ($1, $2, $3, $4::jsonb, $5, 'scheduled', $6, $7, $8, $9, $10, $11, $12, $13, $14)""",
        broadcast_id,
        prefix,
        party_members_only,
        json.dumps({k: {"title": t.title, "body": t.body} for k, t in texts.items()}, ensure_ascii=False),
        send_at,
        jurisdiction,
        created_by,
        now,
        organisation_id,
        audience.fair_id,
        audience.monitored_only,
        list(audience.trades) or None,
        list(channels),
        robots,
    )


async def get(conn: Conn, broadcast_id: uuid.UUID, *, for_update: bool = False) -> asyncpg.Record | None:
    lock = " FOR UPDATE" if for_update else ""
    return await conn.fetchrow(f"SELECT {_COLUMNS} FROM broadcasts WHERE broadcast_id = $1{lock}", broadcast_id)


async def read_count(conn: Conn, broadcast_id: uuid.UUID) -> int:
    count: int = await conn.fetchval(
        "SELECT count(*) FROM broadcast_inbox WHERE broadcast_id = $1 AND read_at IS NOT NULL", broadcast_id
    )
    return count


async def claim_due(pool: asyncpg.Pool, lease_s: float) -> uuid.UUID | None:
    """A broadcast due to be sent that no worker holds, leased to this one."""
    broadcast_id: uuid.UUID | None = await pool.fetchval(
        """UPDATE broadcasts SET locked_until = now() + make_interval(secs => $1)
           WHERE broadcast_id = (
               SELECT broadcast_id FROM broadcasts
               WHERE status IN ('scheduled', 'sending') AND send_at <= now()
                 AND (locked_until IS NULL OR locked_until < now())
               ORDER BY send_at LIMIT 1 FOR UPDATE SKIP LOCKED)
           RETURNING broadcast_id""",
        lease_s,
    )
    return broadcast_id


async def extend(pool: asyncpg.Pool, broadcast_id: uuid.UUID, lease_s: float) -> None:
    await pool.execute(
        "UPDATE broadcasts SET locked_until = now() + make_interval(secs => $2) WHERE broadcast_id = $1",
        broadcast_id,
        lease_s,
    )


async def release(pool: asyncpg.Pool, broadcast_id: uuid.UUID) -> None:
    await pool.execute("UPDATE broadcasts SET locked_until = NULL WHERE broadcast_id = $1", broadcast_id)


async def next_recipients(conn: Conn, row: asyncpg.Record, limit: int) -> list[Recipient]:
    """The next members of the audience after the broadcast's cursor, in (origin, member_id) order,
    with what their SMS or email needs (preferences, sealed addresses)."""
    where, params = Audience.of(row).where(4)
    rows = await conn.fetch(
        f"""SELECT d.member_id, d.name, d.origin_division_code, d.languages, p.language AS preferred,
                   coalesce(p.broadcasts, true) AS wants, p.channels, p.phone_enc, p.email_enc, p.quiet_start,
                   p.quiet_end, p.timezone
            FROM member_directory d LEFT JOIN member_preferences p ON p.member_id = d.member_id
            WHERE {where} AND (d.origin_division_code COLLATE "C", d.member_id) > ($1, $2)
            ORDER BY d.origin_division_code COLLATE "C", d.member_id LIMIT $3""",
        row["cursor_origin"] or "",
        row["cursor_member"] or _NIL,
        limit,
        *params,
    )
    return [
        Recipient(
            r["member_id"],
            r["name"],
            r["origin_division_code"],
            list(r["languages"]),
            r["preferred"],
            r["wants"],
            tuple(r["channels"] or ("in_app",)),
            r["phone_enc"],
            r["email_enc"],
            (r["quiet_start"], r["quiet_end"], r["timezone"]) if r["quiet_start"] is not None else None,
        )
        for r in rows
    ]


@dataclass(frozen=True)
class AudienceCount:
    recipients: int  # in the audience
    opted_out: int  # of them, who opted out of broadcasts
    sms: int  # of those who did not, who would also get an SMS (the first of their channels with an address)
    email: int


async def count(conn: Conn, audience: Audience, channels: tuple[str, ...]) -> AudienceCount:
    """How many a broadcast would reach, by one indexed scan of the audience (no rows leave the database)."""
    where, params = audience.where(2)
    row = await conn.fetchrow(
        f"""WITH a AS (
                SELECT coalesce(p.broadcasts, true) AS wants,
                       (SELECT c FROM unnest(p.channels) WITH ORDINALITY AS u(c, i)
                        WHERE c = ANY($1::text[]) AND ((c = 'sms' AND p.phone_enc IS NOT NULL)
                                                      OR (c = 'email' AND p.email_enc IS NOT NULL))
                        ORDER BY i LIMIT 1) AS outbound
                FROM member_directory d LEFT JOIN member_preferences p ON p.member_id = d.member_id
                WHERE {where})
            SELECT count(*) AS recipients, count(*) FILTER (WHERE NOT wants) AS opted_out,
                   count(*) FILTER (WHERE wants AND outbound = 'sms') AS sms,
                   count(*) FILTER (WHERE wants AND outbound = 'email') AS email
            FROM a""",
        [c for c in channels if c in ("sms", "email")],
        *params,
    )
    assert row is not None
    return AudienceCount(row["recipients"], row["opted_out"], row["sms"], row["email"])


async def message_results(conn: Conn, broadcast_id: uuid.UUID) -> dict[str, dict[str, int]]:
    """The states of a broadcast's SMS, email and group robot messages: channel → status → how many."""
    rows = await conn.fetch(
        """SELECT s.channel, s.status, count(*) AS n FROM notifications n
           JOIN delivery_status s ON s.notification_id = n.notification_id
           WHERE n.reference = $1 GROUP BY s.channel, s.status""",
        f"broadcast:{broadcast_id}",
    )
    results: dict[str, dict[str, int]] = {}
    for r in rows:
        results.setdefault(r["channel"], {})[r["status"]] = r["n"]
    return results


async def write_batch(
    conn: Conn,
    broadcast_id: uuid.UUID,
    rows: list[tuple[uuid.UUID, str, str, str]],  # member, language, title, body
    now: datetime,
    last: Recipient,
    opted_out: int,
    queued: int = 0,
) -> int:
    """The batch's inbox rows and the cursor past it, together: a batch written twice is written once."""
    status = await conn.execute(
        """INSERT INTO broadcast_inbox (broadcast_id, member_id, language, title, body, created_at)
           SELECT $1, m, l, t, b, $6 FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[]) AS u(m, l, t, b)
           ON CONFLICT DO NOTHING""",
        broadcast_id,
        [r[0] for r in rows],
        [r[1] for r in rows],
        [r[2] for r in rows],
        [r[3] for r in rows],
        now,
    )
    written = int(status.split()[-1])
    await conn.execute(
        """UPDATE broadcasts SET status = 'sending', cursor_origin = $2, cursor_member = $3, sent = sent + $4,
                  opted_out = opted_out + $5, batches = batches + 1, messages_queued = messages_queued + $6
           WHERE broadcast_id = $1""",
        broadcast_id,
        last.origin_division_code,
        last.member_id,
        written,
        opted_out,
        queued,
    )
    return written


async def robots_posted(conn: Conn, broadcast_id: uuid.UUID, queued: int) -> None:
    await conn.execute(
        "UPDATE broadcasts SET status = 'sending', robots_queued = $2 WHERE broadcast_id = $1", broadcast_id, queued
    )


async def finish(conn: Conn, broadcast_id: uuid.UUID, status: str, now: datetime) -> None:
    await conn.execute(
        "UPDATE broadcasts SET status = $2, finished_at = $3, locked_until = NULL WHERE broadcast_id = $1",
        broadcast_id,
        status,
        now,
    )
