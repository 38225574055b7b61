"""notify.events: the published payloads. No ID or phone number ever appears here."""

from __future__ import annotations

import uuid
from typing import Literal

from kite_common.events import EventPayload, EventRegistry

registry = EventRegistry("notify")

Kind = Literal["welcome", "case-opened", "job-matched"]
ChannelName = Literal["in_app", "webhook"]
KINDS: tuple[Kind, ...] = ("welcome", "case-opened", "job-matched")


@registry.register
class NotificationCreated(EventPayload):
    event_name = "notification-created"

    notification_id: uuid.UUID
    member_id: uuid.UUID
    origin_division_code: str
    kind: Kind
    title: str
    body: str
    source_event_id: uuid.UUID
    channels: list[ChannelName]


@registry.register
class NotificationDelivered(EventPayload):
    event_name = "notification-delivered"

    notification_id: uuid.UUID
    channel: ChannelName
    subscription_id: uuid.UUID | None = None  # the webhook subscription, for the webhook channel
    attempt: int


@registry.register
class NotificationDeliveryFailed(EventPayload):
    event_name = "notification-delivery-failed"

    notification_id: uuid.UUID
    channel: ChannelName
    subscription_id: uuid.UUID | None = None
    attempt: int
    error: str


@registry.register
class NotificationRead(EventPayload):
    event_name = "notification-read"

    notification_id: uuid.UUID
    member_id: uuid.UUID
    read_by: str


@registry.register
class WebhookSubscribed(EventPayload):
    event_name = "webhook-subscribed"

    subscription_id: uuid.UUID
    url: str
    kinds: list[Kind] | None = None
    jurisdiction: str
    created_by: str


@registry.register
class WebhookUnsubscribed(EventPayload):
    event_name = "webhook-unsubscribed"

    subscription_id: uuid.UUID
    removed_by: str
