"""A channel carries a notification to its reader: the in-app inbox, a webhook, later SMS or WeChat."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from kite_notify.domain.events import NotificationCreated


@dataclass(frozen=True)
class NotificationMessage:
    """A stored notification as channels send it: its content and the event that created it."""

    event_id: uuid.UUID  # the notification-created event: stable across retries, the receiver's dedupe key
    stream_id: str
    event_type: str
    created_at: datetime
    notification: NotificationCreated

    @property
    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = self.notification.model_dump(mode="json")
        return data


class Channel(Protocol):
    name: str

    async def deliver(self, message: NotificationMessage) -> None:
        """Deliver or raise: a raised error is a failed attempt."""
        ...
