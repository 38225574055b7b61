"""The webhook subscription aggregate: pure decisions, no I/O."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import urlsplit

from kite_common.domain import Aggregate, RuleViolation
from kite_common.events import EventPayload

from kite_notify.domain.events import Kind, WebhookSubscribed, WebhookUnsubscribed


class SubscriptionRuleViolation(RuleViolation):
    """A subscription the domain refuses (422); the message is for people (Chinese). The problem
    lists the wrong field under `errors` with the generic code "rule"."""

    code = "invalid-webhook"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message, field=field, errors=[{"field": field, "code": "rule", "message": message}])


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
class WebhookSubscription(Aggregate):
    stream_prefix: ClassVar[str] = "webhook"
    label: ClassVar[str] = "该订阅"

    subscription_id: uuid.UUID
    jurisdiction: str = ""
    active: bool = False
    removed: bool = False

    @property
    def id(self) -> uuid.UUID:
        return self.subscription_id

    def apply(self, event: EventPayload) -> None:
        if isinstance(event, WebhookSubscribed):
            self.active, self.jurisdiction = True, event.jurisdiction
        elif isinstance(event, WebhookUnsubscribed):
            self.active, self.removed = False, True

    def subscribe(self, url: str, kinds: list[Kind] | None, jurisdiction: str, created_by: str) -> list[EventPayload]:
        if self.active or self.removed:
            raise SubscriptionRuleViolation("该订阅已存在")
        unique = sorted(set(kinds)) if kinds else None
        events: list[EventPayload] = [
            WebhookSubscribed(
                subscription_id=self.subscription_id,
                url=check_url(url),
                kinds=unique,
                jurisdiction=jurisdiction,
                created_by=created_by,
            )
        ]
        self._record(*events)
        return events

    def unsubscribe(self, removed_by: str) -> list[EventPayload]:
        if not self.active:
            return []
        events: list[EventPayload] = [WebhookUnsubscribed(subscription_id=self.subscription_id, removed_by=removed_by)]
        self._record(*events)
        return events
