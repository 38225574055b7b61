"""Use cases: schedule a broadcast, send it batch by batch (the fan-out worker), cancel it, see how far
it got. A batch is one transaction: its members' inbox rows, the cursor past them and the
broadcast-batch-sent event commit together, so a batch handled twice reaches each member once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.domain import RuleViolation
from kite_common.ids import new_id
from kite_common.runtime import ServiceRuntime
from kite_common.unit_of_work import UnitOfWork

from kite_notify.adapters import broadcast_store, organisations
from kite_notify.domain.broadcast import Broadcast, BroadcastNotFound
from kite_notify.domain.languages import DEFAULT, language_for
from kite_notify.domain.templates import TemplateText, render

BATCH = 2000


@command
async def schedule_broadcast(
    uow: UnitOfWork,
    principal: Principal,
    prefix: str | None,
    party_members_only: bool,
    texts: dict[str, TemplateText],
    send_at: datetime | None,
    now: datetime,
    *,
    organisation_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """To the members under `prefix`, or to those of `organisation_id` and its sub-tree (one of them)."""
    if (prefix is None) == (organisation_id is None):
        raise RuleViolation("须指定区划代码前缀或组织，二者选一", field="division_code_prefix", code="audience")
    async with uow:
        if organisation_id is not None:
            org = await organisations.find(uow.conn, organisation_id)
            if org is None or org["dissolved_at"] is not None:
                raise RuleViolation("未找到该组织（或已撤销）", field="organisation_id", code="unknown-organisation")
            prefix = org["division_code"]
        assert prefix is not None
        broadcast = Broadcast.create(new_id())
        when = send_at or now
        broadcast.schedule(
            prefix, organisation_id, party_members_only, texts, when, principal.jurisdiction, principal.subject
        )
        await uow.save(broadcast)
        await broadcast_store.insert(
            uow.conn,
            broadcast.broadcast_id,
            prefix,
            organisation_id,
            party_members_only,
            texts,
            when,
            principal.jurisdiction,
            principal.subject,
            now,
        )
    return broadcast.broadcast_id


@command
async def send_batch(uow: UnitOfWork, broadcast_id: uuid.UUID, now: datetime, limit: int = BATCH) -> bool:
    """The next batch; True once there is nothing left to send (done, or cancelled)."""
    async with uow:
        row = await broadcast_store.get(uow.conn, broadcast_id, for_update=True)  # waits for a cancel, or holds it
        if row is None or row["status"] not in ("scheduled", "sending"):
            return True
        broadcast = await uow.get(Broadcast, broadcast_id)
        recipients = await broadcast_store.next_recipients(uow.conn, row, limit)
        if not recipients:
            broadcast.complete(row["opted_out"])
            await uow.save(broadcast)
            await broadcast_store.finish(uow.conn, broadcast_id, "completed", now)
            return True
        texts = broadcast_store.texts_of(row)
        rows = []
        for r in recipients:
            if not r.wants_broadcasts:
                continue
            language = r.preferred or language_for(r.languages)
            text = texts.get(language) or texts[DEFAULT]
            shown = render(text, {"name": r.name})
            rows.append((r.member_id, language if language in texts else DEFAULT, shown.title, shown.body))
        opted_out = len(recipients) - len(rows)
        written = await broadcast_store.write_batch(uow.conn, broadcast_id, rows, now, recipients[-1], opted_out)
        broadcast.batch_sent(written, opted_out)
        await uow.save(broadcast)
    return False


@command
async def cancel_broadcast(uow: UnitOfWork, principal: Principal, broadcast_id: uuid.UUID, now: datetime) -> None:
    async with uow:
        row = await broadcast_store.get(uow.conn, broadcast_id, for_update=True)
        _visible(principal, row)
        broadcast = await uow.get(Broadcast, broadcast_id)
        if broadcast.cancel(principal.subject):
            await uow.save(broadcast)
            await broadcast_store.finish(uow.conn, broadcast_id, "cancelled", now)


@dataclass(frozen=True)
class Progress:
    row: asyncpg.Record
    read: int


def _visible(principal: Principal, row: asyncpg.Record | None) -> asyncpg.Record:
    if row is None or not principal.covers(row["division_prefix"]):  # outside: as unknown
        raise BroadcastNotFound("未找到该群发")
    return row


async def broadcast_progress(runtime: ServiceRuntime, principal: Principal, broadcast_id: uuid.UUID) -> Progress:
    async with runtime.pool.acquire() as conn:
        row = _visible(principal, await broadcast_store.get(conn, broadcast_id))
        return Progress(row, await broadcast_store.read_count(conn, broadcast_id))
