"""Keeps the inbox from notify's events: created (through the in-app channel) and read."""

from __future__ import annotations

from collections.abc import Sequence

from kite_common.events import EventEnvelope, EventPayload
from kite_common.projection import Applied

from kite_notify.adapters.channels.in_app import InAppChannel
from kite_notify.adapters.db import Conn
from kite_notify.domain.channel import NotificationMessage
from kite_notify.domain.events import NotificationCreated, NotificationRead


class InboxProjection:
    """Batch-capable (`apply_many`): a run of new notifications is one statement."""

    name: str = "member_inbox"
    tables: Sequence[str] = ("member_inbox",)

    async def apply(self, conn: Conn, event: EventEnvelope, payload: EventPayload) -> None:
        if isinstance(payload, NotificationCreated) and "in_app" in payload.channels:
            message = NotificationMessage(event.id, event.subject, event.type, event.time, payload)
            await InAppChannel(conn).deliver(message)
        elif isinstance(payload, NotificationRead):
            await conn.execute(
                "UPDATE member_inbox SET read_at = $2 WHERE notification_id = $1 AND read_at IS NULL",
                payload.notification_id,
                event.time,
            )

    async def apply_many(self, conn: Conn, items: Sequence[Applied]) -> None:
        """`apply` for each in order; notifications created (and nothing read) go in together."""
        if any(isinstance(payload, NotificationRead) for _, payload in items):
            for event, payload in items:
                await self.apply(conn, event, payload)
            return
        messages = [
            NotificationMessage(event.id, event.subject, event.type, event.time, payload)
            for event, payload in items
            if isinstance(payload, NotificationCreated) and "in_app" in payload.channels
        ]
        if messages:
            await InAppChannel(conn).deliver_many(messages)
