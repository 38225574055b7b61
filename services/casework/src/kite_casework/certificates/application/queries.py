"""Reads of the `certificates` read model: staff reads limited to the caller's jurisdiction, and the
one public read, by id, that verification makes."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
from kite_common.auth import Principal
from kite_common.db.types import Connection
from kite_common.pagination import decode_cursor, encode_cursor

from kite_casework.certificates.domain.certificate import CertificateNotFound

_SELECT = """SELECT certificate_id, member_id, case_id, origin_division_code, template, title, member_name,
                    office_name, issued_by, issued_at, payload, signature, key_id, status, revoked_reason,
                    revoked_by, revoked_at, version
             FROM certificates"""


async def find_certificate(conn: Connection, certificate_id: uuid.UUID) -> asyncpg.Record:
    """Any certificate by id, for verification (which answers only what the certificate itself shows)."""
    row: asyncpg.Record | None = await conn.fetchrow(_SELECT + " WHERE certificate_id = $1", certificate_id)
    if row is None:
        raise CertificateNotFound()
    return row


async def get_certificate(conn: Connection, principal: Principal, certificate_id: uuid.UUID) -> asyncpg.Record:
    row = await find_certificate(conn, certificate_id)
    if not principal.covers(row["origin_division_code"]):  # outside: as if it did not exist
        raise CertificateNotFound()
    return row


async def list_certificates(
    conn: Connection,
    principal: Principal,
    member_id: uuid.UUID | None,
    case_id: uuid.UUID | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[asyncpg.Record], str | None]:
    args: list[Any] = []

    def param(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    where = [f"origin_division_code LIKE {param(principal.jurisdiction_like)}"]
    if member_id is not None:
        where.append(f"member_id = {param(member_id)}")
    if case_id is not None:
        where.append(f"case_id = {param(case_id)}")
    if cursor:
        where.append(f"certificate_id > {param(decode_cursor(cursor))}")
    limit_param = param(limit + 1)
    rows = await conn.fetch(f"{_SELECT} WHERE {' AND '.join(where)} ORDER BY certificate_id LIMIT {limit_param}", *args)
    next_cursor = encode_cursor(rows[limit - 1]["certificate_id"]) if len(rows) > limit else None
    return list(rows[:limit]), next_cursor
