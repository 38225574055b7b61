"""Keeps `notifications` and `delivery_status` from notify's events."""

from __future__ import annotations

from collections.abc import Sequence

from kite_common.events import EventEnvelope, EventPayload

from kite_notify.adapters.db import Conn
from kite_notify.domain.events import (
    DeliveryStatusChanged,
    MessageRequested,
    NotificationCreated,
    NotificationDelivered,
    NotificationDeliveryFailed,
)

_UPSERT = """INSERT INTO delivery_status (notification_id, channel, target, status, attempts, detail,
                                          provider_reference, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (notification_id, channel, target) DO UPDATE SET status = EXCLUDED.status,
                 attempts = EXCLUDED.attempts, detail = EXCLUDED.detail,
                 provider_reference = coalesce(EXCLUDED.provider_reference, delivery_status.provider_reference),
                 updated_at = EXCLUDED.updated_at"""


class StatusProjection:
    name: str = "delivery_status"
    tables: Sequence[str] = ("notifications", "delivery_status")

    async def apply(self, conn: Conn, event: EventEnvelope, payload: EventPayload) -> None:
        if isinstance(payload, NotificationCreated):
            await conn.execute(
                """INSERT INTO notifications (notification_id, member_id, origin_division_code, kind, channels,
                                              created_at)
                   VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING""",
                payload.notification_id,
                payload.member_id,
                payload.origin_division_code,
                payload.kind,
                list(payload.channels),
                event.time,
            )
            for channel in payload.channels:
                if channel in ("sms", "email"):
                    await conn.execute(
                        _UPSERT, payload.notification_id, channel, "", "created", 0, None, None, event.time
                    )
        elif isinstance(payload, MessageRequested):
            await conn.execute(
                """INSERT INTO notifications (notification_id, origin_division_code, kind, channels, reference,
                                              requested_by, created_at)
                   VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING""",
                payload.notification_id,
                payload.jurisdiction,
                payload.kind,
                [payload.channel],
                payload.reference,
                payload.requested_by,
                event.time,
            )
            await conn.execute(
                _UPSERT, payload.notification_id, payload.channel, "", "created", 0, None, None, event.time
            )
        elif isinstance(payload, DeliveryStatusChanged):
            await conn.execute(
                _UPSERT,
                payload.notification_id,
                payload.channel,
                "",
                payload.status,
                payload.attempt,
                payload.detail,
                payload.provider_reference,
                event.time,
            )
        elif isinstance(payload, NotificationDelivered | NotificationDeliveryFailed):
            failed = isinstance(payload, NotificationDeliveryFailed)
            await conn.execute(
                _UPSERT,
                payload.notification_id,
                payload.channel,
                str(payload.subscription_id or ""),
                "technical-failure" if failed else "delivered",
                payload.attempt,
                payload.error if isinstance(payload, NotificationDeliveryFailed) else None,
                None,
                event.time,
            )
