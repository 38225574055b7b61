"""The webhook subscription aggregate: pure decisions, no I/O."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from kite_common.events import EventPayload

from kite_notify.domain.events import Kind, WebhookSubscribed, WebhookUnsubscribed


class SubscriptionRuleViolation(ValueError):
    """A request the domain refuses; the message is for people (Chinese)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def stream_id(subscription_id: uuid.UUID) -> str:
    return f"webhook-{subscription_id}"


def check_url(url: str) -> str:
    """An http(s) URL with a host and no credentials: receivers authenticate us by the signature,
    and the URL travels in a public event."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SubscriptionRuleViolation("回调地址应为 http 或 https 地址", "url")
    if parts.username or parts.password:
        raise SubscriptionRuleViolation("回调地址不能包含用户名或密码", "url")
    return parts.geturl()


@dataclass
class WebhookSubscription:
    subscription_id: uuid.UUID
    jurisdiction: str = ""
    active: bool = False
    removed: bool = False

    @classmethod
    def replay(cls, subscription_id: uuid.UUID, events: list[EventPayload]) -> WebhookSubscription:
        s = cls(subscription_id)
        for event in events:
            s.apply(event)
        return s

    def apply(self, event: EventPayload) -> None:
        if isinstance(event, WebhookSubscribed):
            self.active, self.jurisdiction = True, event.jurisdiction
        elif isinstance(event, WebhookUnsubscribed):
            self.active, self.removed = False, True

    def subscribe(self, url: str, kinds: list[Kind] | None, jurisdiction: str, created_by: str) -> list[EventPayload]:
        if self.active or self.removed:
            raise SubscriptionRuleViolation("该订阅已存在")
        unique = sorted(set(kinds)) if kinds else None
        return [
            WebhookSubscribed(
                subscription_id=self.subscription_id,
                url=check_url(url),
                kinds=unique,
                jurisdiction=jurisdiction,
                created_by=created_by,
            )
        ]

    def unsubscribe(self, removed_by: str) -> list[EventPayload]:
        if not self.active:
            return []
        return [WebhookUnsubscribed(subscription_id=self.subscription_id, removed_by=removed_by)]
