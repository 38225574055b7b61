"""Use case: an event from roster, casework or jobs becomes a notification for its member, unless the
member has been deregistered.

Sent by the consumer with a unit of work joined to its inbox transaction, so the notification, its
inbox row, its pending webhook deliveries and the inbox record commit together or not at all.
"""

from __future__ import annotations

import logging
import uuid

from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_notify.adapters import delivery_queue, subscription_store
from kite_notify.adapters.member_directory import find_member
from kite_notify.domain.events import ChannelName
from kite_notify.domain.notification import Notification, notification_id_for
from kite_notify.domain.source_events import SourceEvent
from kite_notify.domain.templates import render

log = logging.getLogger(__name__)


@command
async def create_notification(uow: UnitOfWork, source: str, source_event_id: uuid.UUID, event: SourceEvent) -> None:
    """`source` and `source_event_id` name the CloudEvent that `event` was read from: one source
    event makes one notification, however often it is delivered."""
    async with uow:
        known = await find_member(uow.conn, event.member_id)
        if known is not None and known.deregistered:
            log.info("no notification for %s#%s: member-%s is deregistered", source, source_event_id, event.member_id)
            return
        draft = render(event, known.name if known else None)

        notification = await uow.get(Notification, notification_id_for(source, source_event_id))
        if notification.created:
            return  # this source event already made its notification (redelivered past the inbox)

        subscriptions = await subscription_store.matching(uow.conn, draft.kind, draft.origin_division_code)
        channels: list[ChannelName] = ["in_app", "webhook"] if subscriptions else ["in_app"]
        notification.issue(draft, source_event_id, channels)
        stored = await uow.save(notification)
        if subscriptions:
            await delivery_queue.enqueue(uow.conn, notification.notification_id, subscriptions, stored[0].id, uow.topic)
