"""Keeps `webhook_subscriptions` from webhook-subscribed / webhook-unsubscribed."""

from __future__ import annotations

from collections.abc import Sequence

from kite_common.events import EventEnvelope, EventPayload

from kite_notify.adapters.db import Conn
from kite_notify.domain.events import WebhookSubscribed, WebhookUnsubscribed


class SubscriptionProjection:
    name: str = "webhook_subscriptions"
    tables: Sequence[str] = ("webhook_subscriptions",)

    async def apply(self, conn: Conn, event: EventEnvelope, payload: EventPayload) -> None:
        if isinstance(payload, WebhookSubscribed):
            await conn.execute(
                """INSERT INTO webhook_subscriptions (subscription_id, url, kinds, jurisdiction, created_by, created_at)
                   VALUES ($1, $2, $3, $4, $5, $6)""",
                payload.subscription_id,
                payload.url,
                payload.kinds,
                payload.jurisdiction,
                payload.created_by,
                event.time,
            )
        elif isinstance(payload, WebhookUnsubscribed):
            await conn.execute(
                "UPDATE webhook_subscriptions SET removed_at = $2 WHERE subscription_id = $1",
                payload.subscription_id,
                event.time,
            )
