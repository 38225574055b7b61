"""Use cases: schedule a broadcast, send it batch by batch (the fan-out worker), cancel it, see how far
it got. A batch is one transaction: its members' inbox rows, the cursor past them and the
broadcast-batch-sent event commit together, so a batch handled twice reaches each member once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

import asyncpg
from kite_common.auth import Principal
from kite_common.bulk import append_new_streams
from kite_common.commands import command
from kite_common.domain import RuleViolation
from kite_common.ids import new_id
from kite_common.runtime import ServiceRuntime
from kite_common.unit_of_work import UnitOfWork

from kite_notify.adapters import broadcast_store, catalogue, organisations, outbound_queue, robot_store
from kite_notify.adapters.channel_settings import sms_template_codes
from kite_notify.adapters.db import Conn
from kite_notify.adapters.pii import field_protector
from kite_notify.adapters.projections import PROJECTIONS
from kite_notify.application.preferences import EMAIL_CONTEXT, PHONE_CONTEXT
from kite_notify.application.robots import SECRET_CONTEXT, URL_CONTEXT
from kite_notify.application.send_message import ADDRESS_CONTEXT
from kite_notify.domain.broadcast import (
    CHANNELS,
    GROUP_GREETING,
    Broadcast,
    BroadcastNotFound,
    check_audience,
    check_place,
)
from kite_notify.domain.events import MessageRequested
from kite_notify.domain.languages import DEFAULT, language_for
from kite_notify.domain.notification import Notification
from kite_notify.domain.preferences import QuietHours
from kite_notify.domain.robots import RobotAddress
from kite_notify.domain.sms_template_codes import require_code
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
    fair_id: uuid.UUID | None = None,
    monitored_only: bool = False,
    trades: tuple[str, ...] = (),
    channels: tuple[str, ...] = ("in_app",),
    robots: bool | None = None,
) -> uuid.UUID:
    """To the members under `prefix`, to those of `organisation_id` and its sub-tree, or to a fair's
    invitees (one of them), narrowed by the filters; by inbox and, for those who chose it, SMS or email.
    To an organisation, also once to each group robot of it and its sub-tree (`robots`; by default
    when there is any)."""
    check_channels(channels)
    sms = sms_template_codes() if "sms" in channels else None
    if sms is not None:
        require_code(*sms, "broadcast", field="channels")
    async with uow:
        audience = await resolve_audience(
            uow.conn, prefix, organisation_id, fair_id, party_members_only, monitored_only, trades
        )
        if robots is None:
            robots = organisation_id is not None and await robot_store.any_in_organisation_tree(
                uow.conn, organisation_id
            )
        broadcast = Broadcast.create(new_id())
        when = send_at or now
        broadcast.schedule(
            audience.prefix,
            organisation_id,
            party_members_only,
            texts,
            when,
            principal.jurisdiction,
            principal.subject,
            fair_id=fair_id,
            monitored_only=monitored_only,
            trades=list(trades),
            channels=list(channels),
            robots=robots,
        )
        await uow.save(broadcast)
        prefix = audience.prefix
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
            audience,
            channels,
            robots,
        )
    return broadcast.broadcast_id


def check_channels(channels: tuple[str, ...]) -> None:
    if "in_app" not in channels or len(set(channels)) != len(channels) or not set(channels) <= set(CHANNELS):
        raise RuleViolation("群发渠道须包含 in_app，可加 sms、email，且不能重复", field="channels", code="bad-channels")


async def resolve_audience(
    conn: Conn,
    prefix: str | None,
    organisation_id: uuid.UUID | None,
    fair_id: uuid.UUID | None,
    party_members_only: bool,
    monitored_only: bool,
    trades: tuple[str, ...],
) -> broadcast_store.Audience:
    """The audience, placed: an organisation or a fair is of its division (refused outside the
    caller's jurisdiction by the aggregate, or by `count_audience`)."""
    if sum(x is not None for x in (prefix, organisation_id, fair_id)) != 1:
        raise RuleViolation("须指定区划代码前缀、组织或招聘会，三者选一", field="division_code_prefix", code="audience")
    if organisation_id is not None:
        org = await organisations.find(conn, organisation_id)
        if org is None or org["dissolved_at"] is not None:
            raise RuleViolation("未找到该组织（或已撤销）", field="organisation_id", code="unknown-organisation")
        prefix = org["division_code"]
    elif fair_id is not None:
        prefix = await catalogue.fair_area(conn, fair_id)
        if prefix is None:
            raise RuleViolation("未找到该招聘会", field="fair_id", code="unknown-fair")
    assert prefix is not None
    if any(not t.strip() or len(t) > 50 for t in trades) or len(trades) > 20:
        raise RuleViolation("工种应为 1–50 个字，最多 20 个", field="trades", code="bad-trades")
    return broadcast_store.Audience(
        prefix, organisation_id, fair_id, party_members_only, monitored_only, tuple(t.strip() for t in trades)
    )


async def count_audience(
    runtime: ServiceRuntime,
    principal: Principal,
    prefix: str | None,
    organisation_id: uuid.UUID | None,
    fair_id: uuid.UUID | None,
    party_members_only: bool,
    monitored_only: bool,
    trades: tuple[str, ...],
    channels: tuple[str, ...],
) -> broadcast_store.AudienceCount:
    """How many a broadcast with this audience would reach, before it is sent (for the composer)."""
    check_channels(channels)
    async with runtime.pool.acquire() as conn:
        audience = await resolve_audience(
            conn, prefix, organisation_id, fair_id, party_members_only, monitored_only, trades
        )
        if organisation_id is None and fair_id is None:
            check_audience(audience.prefix, principal.jurisdiction)
        else:
            check_place(audience.prefix, principal.jurisdiction, "组织" if organisation_id is not None else "招聘会")
        return await broadcast_store.count(conn, audience, channels)


@command
async def send_batch(uow: UnitOfWork, broadcast_id: uuid.UUID, now: datetime, limit: int = BATCH) -> bool:
    """The next batch; True once there is nothing left to send (done, or cancelled)."""
    async with uow:
        row = await broadcast_store.get(uow.conn, broadcast_id, for_update=True)  # waits for a cancel, or holds it
        if row is None or row["status"] not in ("scheduled", "sending"):
            return True
        broadcast = await uow.get(Broadcast, broadcast_id)
        if row["robots"] and row["robots_queued"] is None:  # the groups first: a step of its own
            queued = await _post_to_groups(uow, row, now)
            broadcast.posted_to_groups(queued)
            await uow.save(broadcast)
            await broadcast_store.robots_posted(uow.conn, broadcast_id, queued)
            return False
        recipients = await broadcast_store.next_recipients(uow.conn, row, limit)
        if not recipients:
            broadcast.complete(row["opted_out"])
            await uow.save(broadcast)
            await broadcast_store.finish(uow.conn, broadcast_id, "completed", now)
            return True
        texts = broadcast_store.texts_of(row)
        outbound = [c for c in row["channels"] if c in ("sms", "email")]
        rows = []
        messages: list[_Message] = []
        for r in recipients:
            if not r.wants_broadcasts:
                continue
            language = r.preferred or language_for(r.languages)
            text = texts.get(language) or texts[DEFAULT]
            shown = render(text, {"name": r.name})
            used = language if language in texts else DEFAULT
            rows.append((r.member_id, used, shown.title, shown.body))
            channel = _outbound_for(r, outbound)
            if channel is not None:
                messages.append(_Message(r, channel, used, shown.title, shown.body))
        queued = await _queue_messages(uow, row, messages, now) if messages else 0
        opted_out = len(recipients) - len(rows)
        written = await broadcast_store.write_batch(
            uow.conn, broadcast_id, rows, now, recipients[-1], opted_out, queued
        )
        broadcast.batch_sent(written, opted_out, queued)
        await uow.save(broadcast)
    return False


def _outbound_for(r: broadcast_store.Recipient, wanted: list[str]) -> str | None:
    """The first of the member's own channels that the broadcast uses and they gave an address for."""
    for channel in r.channels:
        if channel in wanted and ((channel == "sms" and r.phone_enc) or (channel == "email" and r.email_enc)):
            return channel
    return None


@dataclass(frozen=True)
class _Message:
    recipient: broadcast_store.Recipient
    channel: str
    language: str
    title: str
    body: str


async def _queue_messages(uow: UnitOfWork, row: asyncpg.Record, messages: list[_Message], now: datetime) -> int:
    """The batch's SMS and emails, each once (its id is the broadcast's and the member's; those a
    batch handled before already made are skipped): their message-requested events appended with one
    COPY and their deliveries queued with one insert, for the delivery worker, which paces each
    channel to its rate limit; each held until its member's quiet hours end."""
    ids = [uuid.uuid5(row["broadcast_id"], str(m.recipient.member_id)) for m in messages]
    new = await _not_made(uow.conn, ids, messages)
    protector = field_protector()
    queued = []
    for i, m in new:
        r = m.recipient
        sealed, context = (r.phone_enc, PHONE_CONTEXT) if m.channel == "sms" else (r.email_enc, EMAIL_CONTEXT)
        assert sealed is not None
        address = protector.encrypt(protector.decrypt(sealed, context), ADDRESS_CONTEXT)
        not_before = QuietHours(*r.quiet).release_at(now) if r.quiet else now
        queued.append(
            _Queued(i, m.channel, m.language, m.title, m.body, row["jurisdiction"], address, r.name, not_before)
        )
    return await _request_and_queue(uow, row, queued)


async def _post_to_groups(uow: UnitOfWork, row: asyncpg.Record, now: datetime) -> int:
    """One message per group robot of the organisation and its sub-tree, in Chinese (a group reads
    one text) with `{name}` as the group's greeting; each once (its id is the broadcast's and the
    robot's), queued for the delivery worker, which paces robots to their rate limit. Group chats
    have no quiet hours of their own."""
    robots = await robot_store.of_organisation_tree(uow.conn, row["organisation_id"])
    ids = [uuid.uuid5(row["broadcast_id"], f"robot:{r['robot_id']}") for r in robots]
    new = await _not_made(uow.conn, ids, robots)
    if not new:
        return 0
    shown = render(broadcast_store.texts_of(row)[DEFAULT], {"name": GROUP_GREETING})
    protector = field_protector()
    queued = []
    for i, r in new:
        url = protector.decrypt(r["url_enc"], URL_CONTEXT)
        secret = protector.decrypt(r["secret_enc"], SECRET_CONTEXT) if r["secret_enc"] else None
        sealed = protector.encrypt(RobotAddress(r["provider"], url, secret).sealed_form(), ADDRESS_CONTEXT)
        queued.append(
            _Queued(i, "robot", DEFAULT, shown.title, shown.body, r["division_code"], sealed, GROUP_GREETING, now)
        )
    return await _request_and_queue(uow, row, queued)


_T = TypeVar("_T")


@dataclass(frozen=True)
class _Queued:
    notification_id: uuid.UUID
    channel: str
    language: str
    title: str
    body: str
    jurisdiction: str
    address: str  # sealed for the delivery worker
    name: str
    not_before: datetime


async def _not_made(conn: Conn, ids: list[uuid.UUID], items: list[_T]) -> list[tuple[uuid.UUID, _T]]:
    """The items whose notification (by its derived id) a batch handled before has not made yet."""
    made = {
        r["notification_id"]
        for r in await conn.fetch(
            "SELECT notification_id FROM notifications WHERE notification_id = ANY($1::uuid[])", ids
        )
    }
    return [(i, item) for i, item in zip(ids, items, strict=True) if i not in made]


async def _request_and_queue(uow: UnitOfWork, row: asyncpg.Record, queued: list[_Queued]) -> int:
    """Each message's message-requested event (one new notification stream each, one COPY) and its
    delivery queued (one insert)."""
    if not queued:
        return 0
    streams = [
        (
            Notification.stream_id_for(q.notification_id),
            [
                MessageRequested(
                    notification_id=q.notification_id,
                    channel=q.channel,
                    kind="broadcast",
                    language=q.language,
                    template_version=0,  # the broadcast's own text, not a template
                    title=q.title,
                    body=q.body,
                    reference=f"broadcast:{row['broadcast_id']}",
                    jurisdiction=q.jurisdiction,
                    requested_by=row["created_by"],
                )
            ],
        )
        for q in queued
    ]
    await append_new_streams(uow.conn, uow.registry, PROJECTIONS, uow.topic, streams)
    pending = [
        (q.notification_id, q.channel, q.address, q.title, q.body, {"name": q.name}, q.not_before) for q in queued
    ]
    await outbound_queue.enqueue_many(uow.conn, "broadcast", pending, uow.topic)
    return len(queued)


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
    messages: dict[str, dict[str, int]] = field(default_factory=dict)  # channel → status → count


def _visible(principal: Principal, row: asyncpg.Record | None) -> asyncpg.Record:
    if row is None or not principal.covers(row["division_prefix"]):  # outside: as unknown
        raise BroadcastNotFound("未找到该群发")
    return row


async def broadcast_progress(runtime: ServiceRuntime, principal: Principal, broadcast_id: uuid.UUID) -> Progress:
    async with runtime.pool.acquire() as conn:
        row = _visible(principal, await broadcast_store.get(conn, broadcast_id))
        read = await broadcast_store.read_count(conn, broadcast_id)
        queued = row["messages_queued"] or row["robots_queued"]
        messages = await broadcast_store.message_results(conn, broadcast_id) if queued else {}
        return Progress(row, read, messages)
