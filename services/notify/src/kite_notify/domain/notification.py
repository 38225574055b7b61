"""The notification aggregate: pure decisions, no I/O."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import ClassVar

from kite_common.domain import Aggregate, NotFound
from kite_common.events import EventPayload

from kite_notify.domain.delivery import can_move
from kite_notify.domain.events import (
    ChannelName,
    DeliveryStatusChanged,
    MessageRequested,
    NotificationCreated,
    NotificationDelivered,
    NotificationDeliveryFailed,
    NotificationHeld,
    NotificationRead,
    WaitingFor,
)

# Fixed forever: notification ids are derived from it, so changing it would duplicate notifications.
_NAMESPACE = uuid.UUID("6b697465-6e6f-7469-6679-000000000001")
MAX_ERROR_CHARS = 500


@dataclass(frozen=True)
class Draft:
    """A notification's content and recipient, rendered, before it has been stored."""

    member_id: uuid.UUID
    origin_division_code: str
    kind: str
    title: str
    body: str
    language: str
    template_version: int | None


class NotificationNotFound(NotFound):
    """A decision about a notification that was never created; the message is for people (Chinese)."""

    code = "notification-not-found"


def notification_id_for(source: str, event_id: uuid.UUID) -> uuid.UUID:
    """One source event, one notification: the id is a function of the CloudEvents source and id,
    so a redelivered event finds the notification it already made."""
    return uuid.uuid5(_NAMESPACE, f"{source}#{event_id}")


Target = tuple[ChannelName, uuid.UUID | None]  # a channel, and the webhook subscription for "webhook"


@dataclass
class Notification(Aggregate):
    stream_prefix: ClassVar[str] = "notification"
    label: ClassVar[str] = "该消息"

    notification_id: uuid.UUID
    member_id: uuid.UUID | None = None
    created: bool = False
    held: bool = False
    read: bool = False
    delivered: set[Target] = field(default_factory=set)
    failed: set[Target] = field(default_factory=set)
    statuses: dict[str, str] = field(default_factory=dict)  # email/sms channel → delivery status
    attempts: dict[str, int] = field(default_factory=dict)
    provider_references: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> uuid.UUID:
        return self.notification_id

    def apply(self, event: EventPayload) -> None:
        if isinstance(event, NotificationCreated):
            self.created, self.member_id = True, event.member_id
            for channel in event.channels:
                if channel in ("sms", "email"):
                    self.statuses[channel] = "created"
        elif isinstance(event, MessageRequested):
            self.created = True
            self.statuses[event.channel] = "created"
        elif isinstance(event, DeliveryStatusChanged):
            self.statuses[event.channel] = event.status
            self.attempts[event.channel] = event.attempt
            if event.provider_reference:
                self.provider_references[event.channel] = event.provider_reference
        elif isinstance(event, NotificationHeld):
            self.held = True
        elif isinstance(event, NotificationDelivered):
            self.delivered.add((event.channel, event.subscription_id))
        elif isinstance(event, NotificationDeliveryFailed):
            self.failed.add((event.channel, event.subscription_id))
        elif isinstance(event, NotificationRead):
            self.read = True

    def issue(self, draft: Draft, source_event_id: uuid.UUID, channels: list[str]) -> list[EventPayload]:
        """Created and, for the in-app channel, delivered in the same breath: the inbox is written in
        the transaction that stores the notification."""
        if self.created:
            return []
        events: list[EventPayload] = [
            NotificationCreated(
                notification_id=self.notification_id,
                member_id=draft.member_id,
                origin_division_code=draft.origin_division_code,
                kind=draft.kind,
                title=draft.title,
                body=draft.body,
                source_event_id=source_event_id,
                channels=channels,
                language=draft.language,
                template_version=draft.template_version,
            )
        ]
        if "in_app" in channels:
            events.append(NotificationDelivered(notification_id=self.notification_id, channel="in_app", attempt=1))
        return self._record(*events)

    def request(self, message: MessageRequested) -> list[EventPayload]:
        """A message asked for over the API; asked again (the same sender's `reference`), nothing new."""
        if self.created:
            return []
        return self._record(message)

    def record_status(
        self, channel: str, status: str, attempt: int, detail: str | None, provider_reference: str | None
    ) -> list[EventPayload]:
        """Statuses only move forward; a repeated report (a worker that ran twice) records nothing."""
        self._require_created()
        if not can_move(self.statuses.get(channel), status):
            return []
        changed = DeliveryStatusChanged(
            notification_id=self.notification_id,
            channel=channel,
            status=status,
            attempt=attempt,
            detail=detail[:MAX_ERROR_CHARS] if detail else None,
            provider_reference=provider_reference,
        )
        return self._record(changed)

    def hold(
        self,
        source_event_id: uuid.UUID,
        source_type: str,
        waiting_for: WaitingFor,
        member_id: uuid.UUID | None,
        case_id: uuid.UUID | None,
    ) -> list[EventPayload]:
        """The notice waits for its member (or case) to be known; said once."""
        if self.created or self.held:
            return []
        held = NotificationHeld(
            notification_id=self.notification_id,
            source_event_id=source_event_id,
            source_type=source_type,
            waiting_for=waiting_for,
            member_id=member_id,
            case_id=case_id,
        )
        return self._record(held)

    def record_delivery(
        self, channel: ChannelName, subscription_id: uuid.UUID | None, attempt: int
    ) -> list[EventPayload]:
        """Idempotent: a delivery repeated after a crash is recorded once."""
        self._require_created()
        if (channel, subscription_id) in self.delivered:
            return []
        return self._record(
            *[
                NotificationDelivered(
                    notification_id=self.notification_id,
                    channel=channel,
                    subscription_id=subscription_id,
                    attempt=attempt,
                )
            ]
        )

    def record_failure(
        self, channel: ChannelName, subscription_id: uuid.UUID | None, attempt: int, error: str
    ) -> list[EventPayload]:
        self._require_created()
        target = (channel, subscription_id)
        if target in self.delivered or target in self.failed:
            return []
        return self._record(
            *[
                NotificationDeliveryFailed(
                    notification_id=self.notification_id,
                    channel=channel,
                    subscription_id=subscription_id,
                    attempt=attempt,
                    error=error[:MAX_ERROR_CHARS],
                )
            ]
        )

    def mark_read(self, read_by: str) -> list[EventPayload]:
        self._require_created()
        if self.read:
            return []
        assert self.member_id is not None
        return self._record(
            *[NotificationRead(notification_id=self.notification_id, member_id=self.member_id, read_by=read_by)]
        )

    def _require_created(self) -> None:
        if not self.created:
            raise NotificationNotFound("该消息不存在")
