"""Consumer handler: an event from roster, casework or jobs becomes a notification for its member,
unless the member has been deregistered; roster's member-updated and member-deregistered keep the
member directory current and notify nobody.

Runs inside the consumer's inbox transaction, so the notification, its inbox row, its pending
webhook deliveries and the inbox record commit together or not at all.
"""

from __future__ import annotations

import logging

from kite_common.messaging.cloudevents_kafka import ReceivedEvent, topic_for

from kite_notify.adapters import delivery_queue, member_directory, subscription_store
from kite_notify.adapters.db import Conn
from kite_notify.adapters.event_writer import append_on, stream_version
from kite_notify.adapters.member_directory import DirectoryEntry
from kite_notify.domain.events import ChannelName, registry
from kite_notify.domain.notification import Notification, notification_id_for, stream_id
from kite_notify.domain.source_events import (
    DirectoryEvent,
    MemberRegistered,
    MemberUpdated,
    parse_directory_event,
    parse_source_event,
)
from kite_notify.domain.templates import render

log = logging.getLogger(__name__)


async def notify_on_event(conn: Conn, received: ReceivedEvent) -> None:
    env = received.envelope
    change = parse_directory_event(env.type, env.data)
    if change is not None:
        await _update_directory(conn, change, received)
        return
    event = parse_source_event(env.type, env.data)
    if event is None:
        return  # not an event that notifies anyone
    if isinstance(event, MemberRegistered):
        entry = DirectoryEntry(event.member_id, event.name, event.origin_division_code)
        await member_directory.remember(conn, entry, env.stream_version)
    known = await member_directory.look_up(conn, event.member_id)
    if known is not None and known.deregistered:
        log.info("no notification for %s: member-%s is deregistered", env.type, event.member_id)
        return
    draft = render(event, known.name if known else None)

    notification_id = notification_id_for(env.source, env.id)
    stream = stream_id(notification_id)
    if await stream_version(conn, stream) > 0:
        return  # this source event already made its notification (redelivered past the inbox)

    subscriptions = await subscription_store.matching(conn, draft.kind, draft.origin_division_code)
    channels: list[ChannelName] = ["in_app", "webhook"] if subscriptions else ["in_app"]
    events = Notification(notification_id).create(draft, env.id, channels)
    topic = topic_for(registry.service, received.topic_prefix)
    stored = await append_on(conn, topic, stream, 0, events)
    if subscriptions:
        await delivery_queue.enqueue(conn, notification_id, subscriptions, stored[0].id, topic)


async def _update_directory(conn: Conn, change: DirectoryEvent, received: ReceivedEvent) -> None:
    env = received.envelope
    if isinstance(change, MemberUpdated):
        if "name" in change.changed and change.name:
            await member_directory.rename(conn, change.member_id, change.name, env.stream_version)
    else:
        await member_directory.deregister(conn, change.member_id, env.time, env.stream_version)
