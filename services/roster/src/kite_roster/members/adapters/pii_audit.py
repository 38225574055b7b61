"""The append-only log of unmasked reads (pii_access_log). It never holds the numbers themselves."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from kite_common.db.types import Connection
from kite_common.pagination import decode_cursor, encode_cursor


@dataclass(frozen=True)
class AccessToRecord:
    access_id: uuid.UUID
    subject: str
    subject_name: str
    member_id: uuid.UUID
    division_code: str
    fields: tuple[str, ...]
    reason: str
    request_id: str | None


@dataclass(frozen=True)
class AccessFilter:
    member_id: uuid.UUID | None = None
    subject: str | None = None
    since: datetime | None = None
    until: datetime | None = None


async def record_access(conn: Connection, access: AccessToRecord) -> datetime:
    """Append one record; returns its time (the transaction's, so it orders with the read it records)."""
    accessed_at: datetime = await conn.fetchval(
        """INSERT INTO pii_access_log (access_id, accessed_at, subject, subject_name, member_id, division_code,
                                       fields, reason, request_id)
           VALUES ($1, now(), $2, $3, $4, $5, $6, $7, $8)
           RETURNING accessed_at""",
        access.access_id,
        access.subject,
        access.subject_name,
        access.member_id,
        access.division_code,
        list(access.fields),
        access.reason,
        access.request_id,
    )
    return accessed_at


async def list_accesses(
    conn: Connection, jurisdiction_like: str, f: AccessFilter, limit: int, cursor: str | None
) -> tuple[list[asyncpg.Record], str | None]:
    """Newest first, keyset-paged by access_id (UUIDv7), limited to members of the jurisdiction."""
    where = ["division_code LIKE $1"]
    args: list[Any] = [jurisdiction_like]
    for column, op, value in (
        ("member_id", "=", f.member_id),
        ("subject", "=", f.subject),
        ("accessed_at", ">=", f.since),
        ("accessed_at", "<", f.until),
    ):
        if value is not None:
            args.append(value)
            where.append(f"{column} {op} ${len(args)}")
    if cursor:
        args.append(decode_cursor(cursor))
        where.append(f"access_id < ${len(args)}")
    args.append(limit + 1)
    rows = await conn.fetch(
        f"""SELECT access_id, accessed_at, subject, subject_name, member_id, division_code, fields, reason, request_id
            FROM pii_access_log WHERE {" AND ".join(where)} ORDER BY access_id DESC LIMIT ${len(args)}""",
        *args,
    )
    next_cursor = encode_cursor(rows[limit - 1]["access_id"]) if len(rows) > limit else None
    return list(rows[:limit]), next_cursor
