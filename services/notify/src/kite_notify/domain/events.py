"""notify.events: the published payloads. No ID or phone number ever appears here."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from kite_common.events import EventPayload, EventRegistry
from pydantic import BaseModel, ConfigDict

registry = EventRegistry("notify")

# The kinds notification-created.v1 and webhook subscriptions name (their published enum). Every
# kind notify sends today is in `kinds.KINDS`.
Kind = Literal["welcome", "case-opened", "job-matched"]
ChannelName = Literal["in_app", "webhook"]
WaitingFor = Literal["member", "case"]


@registry.register
class NotificationCreatedV1(EventPayload):
    """Superseded by v2 (any kind, the language and template version); read as v2."""

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
class NotificationCreated(EventPayload):
    """A notice rendered for its member from template `kind`/in_app/`language` version `template_version`."""

    event_name = "notification-created"
    event_version = 2

    notification_id: uuid.UUID
    member_id: uuid.UUID
    origin_division_code: str
    kind: str
    title: str
    body: str
    source_event_id: uuid.UUID
    channels: list[str]  # in_app, webhook, and the member's preferred sms or email
    language: str = "zh-Hans"
    template_version: int | None = None


registry.register_upcaster(
    "kite.notify.notification-created.v1", "kite.notify.notification-created.v2", lambda data: dict(data)
)


@registry.register
class NotificationHeld(EventPayload):
    """The source event arrived before notify knew the member (or the case): the notice waits and is
    rendered once they are known, so it never goes out without a name."""

    event_name = "notification-held"

    notification_id: uuid.UUID
    source_event_id: uuid.UUID
    source_type: str
    waiting_for: WaitingFor
    member_id: uuid.UUID | None = None
    case_id: uuid.UUID | None = None


@registry.register
class MessageRequested(EventPayload):
    """Staff asked notify to send one message by email or SMS (GOV.UK Notify's send). The address is
    never in an event: it is kept encrypted beside the pending delivery."""

    event_name = "message-requested"

    notification_id: uuid.UUID
    channel: str
    kind: str
    language: str
    template_version: int
    title: str
    body: str
    reference: str | None = None
    jurisdiction: str  # the sender's: who may see the message's status
    requested_by: str


@registry.register
class DeliveryStatusChanged(EventPayload):
    """A delivery by email or SMS moved to `status` (GOV.UK Notify's states)."""

    event_name = "delivery-status-changed"

    notification_id: uuid.UUID
    channel: str
    status: str
    attempt: int
    detail: str | None = None
    provider_reference: str | None = None


@registry.register
class PreferencesSet(EventPayload):
    """A member's notification preferences, set by them or by staff for them. Whether a phone number
    or email address was given, never the address itself."""

    event_name = "preferences-set"

    member_id: uuid.UUID
    channels: list[str]
    language: str | None = None
    quiet_start: str | None = None  # HH:MM; None: no quiet hours
    quiet_end: str | None = None
    timezone: str
    broadcasts: bool
    has_phone: bool
    has_email: bool
    set_by: str


class BroadcastText(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str
    body: str


@registry.register
class BroadcastScheduled(EventPayload):
    """A notice to every member whose home is under `division_prefix` (party members only, if so),
    at `send_at`; `texts` by language, zh-Hans always, `{name}` the only placeholder."""

    event_name = "broadcast-scheduled"

    broadcast_id: uuid.UUID
    division_prefix: str  # for an organisation: its division code (who may see the broadcast)
    organisation_id: uuid.UUID | None = None  # to its members and those of its sub-tree
    party_members_only: bool
    texts: dict[str, BroadcastText]
    send_at: datetime
    jurisdiction: str
    created_by: str
    fair_id: uuid.UUID | None = None  # to the fair's invitees (its area in `division_prefix`)
    monitored_households_only: bool = False  # members of households under monitoring (防返贫监测)
    trades: list[str] | None = None  # members with any of these skills
    channels: list[str] = ["in_app"]  # and by SMS or email to those whose preferences choose it
    robots: bool = False  # also posted to the group robots of the organisation and its sub-tree


@registry.register
class BroadcastBatchSent(EventPayload):
    """One batch of a broadcast written to its members' inboxes (and `queued` SMS or emails)."""

    event_name = "broadcast-batch-sent"

    broadcast_id: uuid.UUID
    batch: int
    sent: int
    opted_out: int
    queued: int = 0


@registry.register
class BroadcastPostedToGroups(EventPayload):
    """A broadcast to an organisation queued once for each of `robots` group robots of the
    organisation and its sub-tree (their states in the broadcast's results, channel `robot`)."""

    event_name = "broadcast-posted-to-groups"

    broadcast_id: uuid.UUID
    robots: int


@registry.register
class BroadcastCompleted(EventPayload):
    event_name = "broadcast-completed"

    broadcast_id: uuid.UUID
    sent: int
    opted_out: int


@registry.register
class BroadcastCancelled(EventPayload):
    event_name = "broadcast-cancelled"

    broadcast_id: uuid.UUID
    cancelled_by: str
    sent: int  # how many had it already


@registry.register
class TemplateSaved(EventPayload):
    """A new version of the template for `kind` on `channel` in `language` (of a place, or the default)."""

    event_name = "template-saved"

    template_id: uuid.UUID
    kind: str
    channel: str
    language: str
    version: int
    title: str
    body: str
    placeholders: list[str]
    saved_by: str
    division_code: str = ""  # '' the province default; else the place (county…) whose override this is


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


@registry.register
class GroupRobotAdded(EventPayload):
    """A WeCom, DingTalk or Feishu group robot notices may be posted to (a branch's or a station's
    group). Its webhook URL and signing secret are credentials: never in an event, kept encrypted."""

    event_name = "group-robot-added"

    robot_id: uuid.UUID
    provider: Literal["wecom", "dingtalk", "feishu"]
    name: str
    organisation_id: uuid.UUID | None = None
    division_code: str  # who may use it: the organisation's division, else the adder's jurisdiction
    signed: bool  # a signing secret was given (DingTalk 加签, Feishu 签名校验)
    added_by: str


@registry.register
class GroupRobotRemoved(EventPayload):
    event_name = "group-robot-removed"

    robot_id: uuid.UUID
    removed_by: str
