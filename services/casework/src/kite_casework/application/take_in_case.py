"""Use case: intake (受理登记) that opens one case per matter however often it is submitted: a case
from another system is one per (source system, reference); a caller's `Idempotency-Key` is one case
per key. Both are enforced by unique indexes, so two concurrent submissions open one case: the loser's
insert fails, its transaction rolls back, and looking again finds the winner's case.

A key is kept `KITE_CASEWORK_IDEMPOTENCY_KEY_RETENTION_HOURS` (default 168: 7 days) from its first
use: after that it names nothing (a key reused later opens a new case) and the idempotency-key purge
worker deletes it in batches. Another system's reference never expires: it is the case's own data."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg
from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.db.types import Connection
from kite_common.domain import Conflict, RuleViolation
from kite_common.unit_of_work import UnitOfWork

from kite_casework.application.open_case import open_in
from kite_casework.domain.case import CaseRequest
from kite_casework.settings import CaseworkSettings


@dataclass(frozen=True)
class IdempotencyKey:
    key: str
    fingerprint: str  # a hash of what the request said: the same key with another body is refused


@dataclass(frozen=True)
class Intake:
    case_id: uuid.UUID
    created: bool  # False: the submission repeated one already taken in


async def take_in_case(
    uow: UnitOfWork,
    principal: Principal,
    request: CaseRequest,
    now: datetime,
    idempotency: IdempotencyKey | None,
    retention: timedelta | None = None,
) -> Intake:
    kept = CaseworkSettings().idempotency_key_retention if retention is None else retention
    try:
        return await _take_in(uow, principal, request, now, idempotency, now - kept)
    except asyncpg.UniqueViolationError:
        # a concurrent submission of the same reference or key committed first: now we find it
        return await _take_in(uow, principal, request, now, idempotency, now - kept)


@command
async def _take_in(
    uow: UnitOfWork,
    principal: Principal,
    request: CaseRequest,
    now: datetime,
    idempotency: IdempotencyKey | None,
    expired_before: datetime,
) -> Intake:
    async with uow:
        if idempotency is not None:
            seen = await _by_key(uow.conn, principal, idempotency, expired_before)
            if seen is not None:
                return Intake(seen, created=False)
        if request.external is not None:
            seen = await _by_reference(uow.conn, principal, request)
            if seen is not None:
                return Intake(seen, created=False)
        case_id = await open_in(uow, principal, request, now)
        if idempotency is not None:
            # An expired use of the key not purged yet makes way (a concurrent one waits on its lock).
            await uow.conn.execute(
                "DELETE FROM case_idempotency_keys WHERE caller = $1 AND key = $2 AND created_at <= $3",
                principal.subject,
                idempotency.key,
                expired_before,
            )
            await uow.conn.execute(
                """INSERT INTO case_idempotency_keys (caller, key, fingerprint, case_id, created_at)
                   VALUES ($1, $2, $3, $4, $5)""",
                principal.subject,
                idempotency.key,
                idempotency.fingerprint,
                case_id,
                now,
            )
    return Intake(case_id, created=True)


async def _by_key(
    conn: Connection, principal: Principal, idempotency: IdempotencyKey, expired_before: datetime
) -> uuid.UUID | None:
    """The case the caller's key opened, unless the key has expired."""
    row = await conn.fetchrow(
        """SELECT case_id, fingerprint FROM case_idempotency_keys
           WHERE caller = $1 AND key = $2 AND created_at > $3""",
        principal.subject,
        idempotency.key,
        expired_before,
    )
    if row is None:
        return None
    if row["fingerprint"] != idempotency.fingerprint:
        raise RuleViolation(
            "该 Idempotency-Key 已用于内容不同的登记请求；新的诉求请使用新的 Key",
            code="idempotency-key-reused",
            field="Idempotency-Key",
        )
    case_id: uuid.UUID = row["case_id"]
    return case_id


async def _by_reference(conn: Connection, principal: Principal, request: CaseRequest) -> uuid.UUID | None:
    """The case already opened for this (source system, reference), if it is the same member's and the
    caller sees it. The reference of a case the caller may not see is refused without naming it."""
    assert request.external is not None
    row = await conn.fetchrow(
        """SELECT case_id, member_id, origin_division_code, work_division_code FROM cases
           WHERE source_system = $1 AND external_reference = $2""",
        *request.external,
    )
    if row is None:
        return None
    places = [p for p in (row["origin_division_code"], row["work_division_code"]) if p is not None]
    if not any(principal.covers(p) for p in places):
        raise Conflict("该外部编号已登记过诉求", code="external-reference-taken", field="external_reference")
    if row["member_id"] != request.member_id:
        raise Conflict(
            "该外部编号已登记为另一人员的诉求，请核对外部编号或求助人员",
            code="external-reference-other-member",
            field="external_reference",
        )
    case_id: uuid.UUID = row["case_id"]
    return case_id


async def purge_expired_keys(conn: Connection, now: datetime, retention: timedelta, batch_size: int) -> int:
    """Delete up to `batch_size` keys older than `retention` (through their `created_at` index, skipping
    rows another replica is deleting); the number deleted."""
    status: str = await conn.execute(
        """DELETE FROM case_idempotency_keys k USING (
               SELECT caller, key FROM case_idempotency_keys WHERE created_at <= $1
               ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED) old
           WHERE k.caller = old.caller AND k.key = old.key""",
        now - retention,
        batch_size,
    )
    return int(status.split()[-1])
