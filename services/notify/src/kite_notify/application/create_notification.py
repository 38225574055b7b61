"""Use case: an event from roster, casework or jobs becomes a notice for its member, written from the
template of its kind in the member's language — unless the member has been deregistered.

A notice never goes out with a gap where the name should be: when the event arrives before notify
knows the member (or, for a case's later step, the case), the notice is held and rendered when the
member's registration (or the case-opened event) arrives — `release_waiting`.

Sent by the consumer with a unit of work joined to its inbox transaction, so the notification, its
inbox row, its pending webhook deliveries and the inbox record commit together or not at all.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from kite_common.actor import current_actor
from kite_common.bulk import StreamPreparer, append_prepared
from kite_common.clock import utcnow
from kite_common.commands import command
from kite_common.mirror.roster_members import MemberRegistered
from kite_common.tracing_context import attached, current_traceparent
from kite_common.unit_of_work import UnitOfWork

from kite_notify.adapters import (
    case_directory,
    catalogue,
    delivery_queue,
    outbound_queue,
    preference_store,
    robot_store,
    subscription_store,
    template_store,
    waiting_store,
)
from kite_notify.adapters.member_directory import DirectoryEntry, find_member, find_members
from kite_notify.adapters.pii import field_protector
from kite_notify.adapters.projections import PROJECTIONS
from kite_notify.adapters.template_store import StoredTemplate
from kite_notify.application.preferences import EMAIL_CONTEXT, PHONE_CONTEXT
from kite_notify.application.robots import SECRET_CONTEXT, URL_CONTEXT
from kite_notify.application.send_message import ADDRESS_CONTEXT
from kite_notify.domain.events import MessageRequested, WaitingFor
from kite_notify.domain.languages import DEFAULT, language_for
from kite_notify.domain.notice_values import CaseFacts, notice_for
from kite_notify.domain.notification import Draft, Notification, notification_id_for
from kite_notify.domain.preferences import Preferences, is_urgent
from kite_notify.domain.robots import RobotAddress
from kite_notify.domain.source_events import (
    ORG_LIFE_ABSENCE,
    ORG_LIFE_SESSION_HELD,
    CaseOpened,
    CaseStep,
    CourseEnrolled,
    FairRegistered,
    MemberContactLost,
    OrgLifeAbsence,
    SourceEvent,
    absences,
    origin_of,
    parse_source_event,
)
from kite_notify.domain.templates import render

log = logging.getLogger(__name__)


class NoTemplate(LookupError):
    """No template for a kind at all: the seeded ones were removed by hand. The event is retried."""


@command
async def create_notification(
    uow: UnitOfWork, source: str, source_event_id: uuid.UUID, source_type: str, data: dict[str, Any]
) -> None:
    """`source` and `source_event_id` name the CloudEvent (of `source_type`, with `data`): one source
    event makes one notification, however often it is delivered."""
    if source_type == ORG_LIFE_SESSION_HELD:  # one notice per absent member, each its own notification
        async with uow:
            for absence in absences(data):
                part = _Source(source, source_event_id, ORG_LIFE_ABSENCE, absence, part=str(absence["member_id"]))
                await _notify(uow, part, OrgLifeAbsence.model_validate(absence))
        return
    event = parse_source_event(source_type, data)
    if event is None:
        return
    async with uow:
        await _notify(uow, _Source(source, source_event_id, source_type, data), event)


@command
async def release_waiting(
    uow: UnitOfWork, *, member_id: uuid.UUID | None = None, case_id: uuid.UUID | None = None
) -> None:
    """The notices held for this member (or case), rendered now that it is known."""
    async with uow:
        while True:
            batch = await waiting_store.take(uow.conn, member_id=member_id, case_id=case_id)
            await _render_released(uow, batch)
            if len(batch) < waiting_store.MAX_RELEASED:
                return


@command
async def create_notifications(
    uow: UnitOfWork, sources: Sequence[tuple[str, uuid.UUID, str, dict[str, Any], str | None]]
) -> None:
    """`create_notification` for each of many source events (source, id, type, data, traceparent: each
    notice's events join its source event's trace, as on its own), in order, in one
    go: what the notices read (their members, preferences, notifications, templates, webhook
    subscriptions) is read once for all, and the new notifications that nothing else follows are
    written together. For source events that make one notice each (not an org-life session)."""
    items: list[tuple[_Source, SourceEvent, str | None]] = []
    for source, event_id, source_type, data, traceparent in sources:
        if source_type == ORG_LIFE_SESSION_HELD:
            raise ValueError("an org-life session makes several notices: create_notification it")
        event = parse_source_event(source_type, data)
        if event is not None:
            items.append((_Source(source, event_id, source_type, data), event, traceparent))
    if not items:
        return
    async with uow:
        member_ids = [_member_of(e) for _, e, _ in items if not isinstance(e, CaseStep)]
        reads = await _BatchReads.load(uow, member_ids, [src.notification_id for src, _, _ in items])
        new: list[tuple[Notification, str | None]] = []
        for src, event, traceparent in items:
            with attached(traceparent):
                await _notify(uow, src, event, reads, new)
        await _append_new(uow, new)


@command
async def release_waiting_for_members(
    uow: UnitOfWork, member_ids: Sequence[uuid.UUID], traces: Mapping[uuid.UUID, str | None] | None = None
) -> None:
    """`release_waiting` for each of these members, in their order, taken off the list together; a
    member's notices join the trace `traces` gives for them (their registration's)."""
    traces = traces or {}
    async with uow:
        while True:
            batch = await waiting_store.take_for_members(uow.conn, member_ids)
            for w in batch:
                with attached(traces.get(w.member_id) if w.member_id else None):
                    await _render_released(uow, [w])
            if len(batch) < waiting_store.MAX_RELEASED:
                return


async def _render_released(uow: UnitOfWork, batch: Sequence[waiting_store.Waiting]) -> None:
    for w in batch:
        event = parse_source_event(w.source_type, w.data)
        if event is not None:
            src = _Source(w.source, w.source_event_id, w.source_type, w.data, w.notification_id)
            await _notify(uow, src, event)


class _Source:
    def __init__(
        self,
        source: str,
        event_id: uuid.UUID,
        event_type: str,
        data: dict[str, Any],
        notification_id: uuid.UUID | None = None,
        part: str | None = None,
    ) -> None:
        """`part`: one of the notices an event makes for several members (an org-life session's absentees)."""
        self.source, self.event_id, self.event_type, self.data = source, event_id, event_type, data
        self.notification_id = notification_id or notification_id_for(source, event_id)
        if part is not None and notification_id is None:
            self.notification_id = uuid.uuid5(self.notification_id, part)


class _Reads:
    """What making a notice reads, a statement each (one event's notice)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    async def member(self, member_id: uuid.UUID) -> DirectoryEntry | None:
        return await find_member(self.uow.conn, member_id)

    async def preferences(self, member_id: uuid.UUID) -> preference_store.StoredPreferences | None:
        return await preference_store.find(self.uow.conn, member_id)

    async def template(self, kind: str, channel: str, language: str, place: str) -> StoredTemplate | None:
        return await template_store.for_notice(self.uow.conn, kind, channel, language, place)

    async def subscriptions(self, kind: str, origin: str) -> list[uuid.UUID]:
        return await subscription_store.matching(self.uow.conn, kind, origin)

    async def notification(self, notification_id: uuid.UUID) -> Notification:
        return await self.uow.get(Notification, notification_id)


class _BatchReads(_Reads):
    """The same reads for many notices: members, preferences and notifications read at once for all;
    a kind's templates and webhook subscriptions for every member's place on first use. Anything
    outside what was read (a released notice's member, another place) is read on its own."""

    def __init__(
        self,
        uow: UnitOfWork,
        members: dict[uuid.UUID, DirectoryEntry | None],
        preferences: dict[uuid.UUID, preference_store.StoredPreferences | None],
        notifications: dict[uuid.UUID, Notification],
    ) -> None:
        super().__init__(uow)
        self._members, self._preferences, self._notifications = members, preferences, notifications
        self._places = {m.origin_division_code for m in members.values() if m is not None}
        self._books: dict[tuple[str, str, str], template_store.TemplateBook] = {}
        self._subscriptions: dict[str, dict[str, list[uuid.UUID]]] = {}

    @classmethod
    async def load(
        cls, uow: UnitOfWork, member_ids: Sequence[uuid.UUID], notification_ids: Sequence[uuid.UUID]
    ) -> _BatchReads:
        known = await find_members(uow.conn, member_ids)
        stored = await preference_store.find_many(uow.conn, member_ids)
        notifications = await uow.get_many(Notification, notification_ids)
        return cls(uow, {m: known.get(m) for m in member_ids}, {m: stored.get(m) for m in member_ids}, notifications)

    async def member(self, member_id: uuid.UUID) -> DirectoryEntry | None:
        if member_id in self._members:
            return self._members[member_id]
        return await super().member(member_id)

    async def preferences(self, member_id: uuid.UUID) -> preference_store.StoredPreferences | None:
        if member_id in self._preferences:
            return self._preferences[member_id]
        return await super().preferences(member_id)

    async def template(self, kind: str, channel: str, language: str, place: str) -> StoredTemplate | None:
        if place not in self._places:
            return await super().template(kind, channel, language, place)
        book = self._books.get((kind, channel, language))
        if book is None:
            book = await template_store.load_book(
                self.uow.conn, [kind], [channel, "in_app"], [language, DEFAULT], self._places
            )
            self._books[kind, channel, language] = book
        return book.choose(kind, channel, language, place)

    async def subscriptions(self, kind: str, origin: str) -> list[uuid.UUID]:
        if origin not in self._places:
            return await super().subscriptions(kind, origin)
        by_place = self._subscriptions.get(kind)
        if by_place is None:
            by_place = self._subscriptions[kind] = await subscription_store.matching_places(
                self.uow.conn, kind, sorted(self._places)
            )
        return by_place[origin]

    async def notification(self, notification_id: uuid.UUID) -> Notification:
        found = self._notifications.pop(notification_id, None)  # once: a second get sees what was saved
        return found if found is not None else await super().notification(notification_id)


async def _append_new(uow: UnitOfWork, new: Sequence[tuple[Notification, str | None]]) -> None:
    """New notifications (no stream yet, no jurisdiction, no caller), each with the trace its events
    join, written at once: their events in one COPY, the read models in a statement or two each, the
    outbox in one COPY."""
    if current_actor() is not None or len(new) < 2:
        for notification, traceparent in new:
            with attached(traceparent):
                await uow.save(notification)
        return
    assert all(n.version == 0 and n.jurisdiction is None for n, _ in new)
    streams = [
        StreamPreparer(uow.registry, uow.topic, PROJECTIONS, traceparent=traceparent).prepare(n.stream_id, n.pending)
        for n, traceparent in new
    ]
    await append_prepared(uow.conn, PROJECTIONS, streams)
    for n, _ in new:
        n.mark_saved()


async def _notify(
    uow: UnitOfWork,
    src: _Source,
    event: SourceEvent,
    reads: _Reads | None = None,
    new: list[tuple[Notification, str | None]] | None = None,
) -> None:
    """One source event's notice. `reads` answers what it reads (a batch's, read at once); a new
    notification that nothing else follows (no webhook, no SMS or email) joins `new` with the trace
    it runs in, written by the caller, instead of being saved at once."""
    conn = uow.conn
    reads = reads or _Reads(uow)
    case: CaseFacts | None = None
    if isinstance(event, CaseOpened):
        await case_directory.record(conn, event)
        case = CaseFacts(event.member_id, event.origin_division_code, event.category, event.urgency, event.deadline)
    elif isinstance(event, CaseStep):
        case = await case_directory.find(conn, event.case_id)
        if case is None:
            await _hold(uow, src, "case", None, event.case_id)
            return
    member_id = case.member_id if case is not None else _member_of(event)
    known = await reads.member(member_id)
    if known is None:
        await _hold(uow, src, "member", member_id, getattr(event, "case_id", None))
        return
    if known.deregistered:
        log.info("no notification for %s#%s: member-%s is deregistered", src.source, src.event_id, member_id)
        return
    name = event.name if isinstance(event, MemberRegistered) else known.name
    if isinstance(event, MemberContactLost):  # to the member's branch secretary, not to the member
        await _to_branch_groups(uow, src, event, name)
        return
    facts: dict[str, str] = {}
    if isinstance(event, FairRegistered) and event.invited:
        facts = await catalogue.fair(conn, event.fair_id)
    elif isinstance(event, CourseEnrolled):
        facts = await catalogue.course(conn, event.course_id)
    notice = notice_for(event, name, case, facts)
    if notice is None:
        return
    kind, values = notice
    stored_prefs = await reads.preferences(member_id)
    prefs = stored_prefs.preferences if stored_prefs else Preferences()
    language = prefs.language or language_for(known.languages)
    origin = origin_of(event) or (case.origin_division_code if case else known.origin_division_code)
    template = await reads.template(kind, "in_app", language, origin)
    if template is None:
        raise NoTemplate(f"no template for {kind}")
    text = render(template.text, values)
    draft = Draft(member_id, origin, kind, text.title, text.body, template.language, template.version)

    notification = await reads.notification(src.notification_id)
    if notification.created:
        return  # this source event already made its notification (redelivered past the inbox)
    subscriptions = await reads.subscriptions(draft.kind, draft.origin_division_code)
    outbound = prefs.outbound_channel()
    channels = ["in_app", *(["webhook"] if subscriptions else []), *([outbound] if outbound else [])]
    notification.issue(draft, src.event_id, channels)
    if new is not None and not subscriptions and outbound is None and notification.version == 0:
        new.append((notification, current_traceparent()))
        return
    stored = await uow.save(notification)
    if subscriptions:
        created_event = next(e for e in stored if e.type.startswith("kite.notify.notification-created."))
        await delivery_queue.enqueue(conn, notification.notification_id, subscriptions, created_event.id, uow.topic)
    if outbound is not None and stored_prefs is not None:
        await _enqueue_outbound(
            uow, notification.notification_id, outbound, stored_prefs, kind, language, values, case, origin
        )


async def _enqueue_outbound(
    uow: UnitOfWork,
    notification_id: uuid.UUID,
    channel: str,
    stored: preference_store.StoredPreferences,
    kind: str,
    language: str,
    values: dict[str, str],
    case: CaseFacts | None,
    origin: str,
) -> None:
    """The member's preferred SMS or email, written from that channel's template (else the in-app
    one), held until their quiet hours end unless it is an urgent case notice."""
    template = await template_store.for_notice(uow.conn, kind, channel, language, origin)
    assert template is not None  # the in-app one exists: the notice was just rendered from it
    text = render(template.text, values)
    protector = field_protector()
    sealed = stored.phone_enc if channel == "sms" else stored.email_enc
    context = PHONE_CONTEXT if channel == "sms" else EMAIL_CONTEXT
    assert sealed is not None
    address = protector.encrypt(protector.decrypt(sealed, context), ADDRESS_CONTEXT)
    quiet = stored.preferences.quiet
    not_before = None
    if quiet is not None and not is_urgent(kind, case.urgency if case else None):
        not_before = quiet.release_at(utcnow())
    used = {p: values[p] for p in template.placeholders}
    await outbound_queue.enqueue(
        uow.conn, notification_id, channel, address, kind, text.title, text.body, used, uow.topic, not_before
    )


async def _to_branch_groups(uow: UnitOfWork, src: _Source, event: MemberContactLost, name: str) -> None:
    """A lost member's branch secretary hears of it in the branch's group, through its robot (roster's
    events carry no contact's phone): one message per robot of each organisation the member belongs
    to, addressed to that organisation's secretary. A branch without a robot hears nothing here."""
    conn = uow.conn
    groups = await robot_store.of_member_organisations(conn, event.member_id)
    if not groups:
        log.info("member-contact-lost %s#%s: no group robot for the member's branches", src.source, src.event_id)
        return
    protector = field_protector()
    for group in groups:
        notice = notice_for(event, name, None, {"secretary": group["secretary"]} if group["secretary"] else {})
        assert notice is not None
        kind, values = notice
        template = await template_store.for_notice(conn, kind, "robot", DEFAULT, group["division_code"])
        if template is None:
            raise NoTemplate(f"no template for {kind}")
        text = render(template.text, values)
        notification = await uow.get(Notification, uuid.uuid5(src.notification_id, str(group["robot_id"])))
        if notification.created:
            continue
        notification.request(
            MessageRequested(
                notification_id=notification.notification_id,
                channel="robot",
                kind=kind,
                language=template.language,
                template_version=template.version,
                title=text.title,
                body=text.body,
                jurisdiction=group["division_code"],
                requested_by="notify",
            )
        )
        await uow.save(notification)
        url = protector.decrypt(group["url_enc"], URL_CONTEXT)
        secret = protector.decrypt(group["secret_enc"], SECRET_CONTEXT) if group["secret_enc"] else None
        sealed = protector.encrypt(RobotAddress(group["provider"], url, secret).sealed_form(), ADDRESS_CONTEXT)
        used = {p: values[p] for p in template.placeholders}
        await outbound_queue.enqueue(
            conn, notification.notification_id, "robot", sealed, kind, text.title, text.body, used, uow.topic
        )


def _member_of(event: SourceEvent) -> uuid.UUID:
    assert not isinstance(event, CaseStep)  # every event but a case's later step names its member
    return event.member_id


async def _hold(
    uow: UnitOfWork, src: _Source, waiting_for: WaitingFor, member_id: uuid.UUID | None, case_id: uuid.UUID | None
) -> None:
    notification = await uow.get(Notification, src.notification_id)
    if notification.created:
        return
    notification.hold(src.event_id, src.event_type, waiting_for, member_id, case_id)
    await uow.save(notification)
    await waiting_store.hold(
        uow.conn,
        src.notification_id,
        waiting_for,
        member_id,
        case_id,
        src.source,
        src.event_id,
        src.event_type,
        src.data,
    )
