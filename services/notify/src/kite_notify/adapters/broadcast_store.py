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
              jurisdiction, created_by, created_at, finished_at, cursor_origin, cursor_member, organisation_id"""


@dataclass(frozen=True)
class Recipient:
    member_id: uuid.UUID
    name: str
    origin_division_code: str
    languages: list[str]
    preferred: str | None
    wants_broadcasts: bool


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
) -> None:
    await conn.execute(
        """INSERT INTO broadcasts (broadcast_id, division_prefix, party_members_only, texts, send_at, status,
                                   jurisdiction, created_by, created_at, organisation_id)
           VALUES ($1, $2, $3, $4::jsonb, $5, 'scheduled', $6, $7, $8, $9)""",
        broadcast_id,
        prefix,
        party_members_only,
        json.dumps({k: {"title": t.title, "body": t.body} for k, t in texts.items()}, ensure_ascii=False),
        send_at,
        jurisdiction,
        created_by,
        now,
        organisation_id,
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


# The members of an organisation and of every organisation under it (the tree walked through parent_id).
_IN_ORGANISATION = """AND $1::text IS NOT NULL AND d.member_id IN (
    SELECT m.member_id FROM org_memberships m WHERE m.organisation_id IN (
        WITH RECURSIVE tree AS (
            SELECT organisation_id FROM organisations WHERE organisation_id = $6
            UNION
            SELECT o.organisation_id FROM organisations o JOIN tree t ON o.parent_id = t.organisation_id
                WHERE o.dissolved_at IS NULL)
        SELECT organisation_id FROM tree))"""


async def next_recipients(conn: Conn, row: asyncpg.Record, limit: int) -> list[Recipient]:
    """The next members of the audience after the broadcast's cursor, in (origin, member_id) order:
    those whose home is under the prefix, or the members of the organisation's sub-tree."""
    organisation_id = row["organisation_id"]
    audience = _IN_ORGANISATION if organisation_id is not None else 'AND d.origin_division_code COLLATE "C" LIKE $1'
    rows = await conn.fetch(
        f"""SELECT d.member_id, d.name, d.origin_division_code, d.languages, p.language AS preferred,
                   coalesce(p.broadcasts, true) AS wants
            FROM member_directory d LEFT JOIN member_preferences p ON p.member_id = d.member_id
            WHERE d.deregistered_at IS NULL AND (NOT $2 OR d.is_party_member) {audience}
              AND (d.origin_division_code COLLATE "C", d.member_id) > ($3, $4)
            ORDER BY d.origin_division_code COLLATE "C", d.member_id LIMIT $5""",
        *(
            [
                row["division_prefix"] + "%",
                row["party_members_only"],
                row["cursor_origin"] or "",
                row["cursor_member"] or _NIL,
                limit,
            ]
            + ([organisation_id] if organisation_id is not None else [])
        ),
    )
    return [
        Recipient(
            r["member_id"], r["name"], r["origin_division_code"], list(r["languages"]), r["preferred"], r["wants"]
        )
        for r in rows
    ]


async def write_batch(
    conn: Conn,
    broadcast_id: uuid.UUID,
    rows: list[tuple[uuid.UUID, str, str, str]],  # member, language, title, body
    now: datetime,
    last: Recipient,
    opted_out: int,
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
                  opted_out = opted_out + $5, batches = batches + 1
           WHERE broadcast_id = $1""",
        broadcast_id,
        last.origin_division_code,
        last.member_id,
        written,
        opted_out,
    )
    return written


async def finish(conn: Conn, broadcast_id: uuid.UUID, status: str, now: datetime) -> None:
    await conn.execute(
        "UPDATE broadcasts SET status = $2, finished_at = $3, locked_until = NULL WHERE broadcast_id = $1",
        broadcast_id,
        status,
        now,
    )
