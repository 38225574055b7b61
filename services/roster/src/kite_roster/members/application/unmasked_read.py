"""Use case: show a member's whole ID and phone numbers to a pii-reader, and leave a record of it.

The record is written in the same transaction as the read: if it cannot be written, nothing is shown.
Nothing here logs, and the numbers never leave this function but in its return value.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg
from kite_common.auth import Principal, Role
from kite_common.db.types import Connection
from kite_common.domain import Forbidden, NotFound
from kite_common.ids import new_id

from kite_roster.members.adapters.pii_audit import AccessFilter, AccessToRecord, list_accesses, record_access
from kite_roster.members.adapters.pii_vault import PiiVault

REVEALED_FIELDS = ("id_number", "phone")


@dataclass(frozen=True)
class Revealed:
    member_id: uuid.UUID
    id_number: str = field(repr=False)
    phone: str = field(repr=False)
    access_id: uuid.UUID
    accessed_at: datetime


def ensure_may_unmask(principal: Principal) -> None:
    """Unmasking is a grant of its own: admin alone is not enough."""
    if Role.PII_READER not in principal.roles:
        raise Forbidden("查看完整身份证号和手机号需要 pii-reader 角色", code="missing-pii-reader")


async def reveal_personal_numbers(
    pool: asyncpg.Pool,
    vault: PiiVault,
    principal: Principal,
    member_id: uuid.UUID,
    reason: str,
    request_id: str | None,
) -> Revealed:
    ensure_may_unmask(principal)
    async with pool.acquire() as conn, conn.transaction():
        sealed = await vault.sealed(conn, member_id)
        if sealed is None or not principal.covers(sealed.origin_division_code):  # outside: as an unknown one
            raise NotFound("未找到该人员", code="member-not-found")
        access = AccessToRecord(
            access_id=new_id(),
            subject=principal.subject,
            subject_name=principal.name,
            member_id=member_id,
            division_code=sealed.origin_division_code,
            fields=REVEALED_FIELDS,
            reason=reason,
            request_id=request_id,
        )
        accessed_at = await record_access(conn, access)
        numbers = vault.open(sealed)
    return Revealed(member_id, numbers.id_number, numbers.phone, access.access_id, accessed_at)


async def access_log(
    conn: Connection, principal: Principal, f: AccessFilter, limit: int, cursor: str | None
) -> tuple[list[asyncpg.Record], str | None]:
    return await list_accesses(conn, principal.jurisdiction_like, f, limit, cursor)
