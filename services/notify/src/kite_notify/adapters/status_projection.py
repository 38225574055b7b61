"""Keeps `notifications` and `delivery_status` from notify's events."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from kite_common.events import EventEnvelope, EventPayload
from kite_common.projection import Applied

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
    """Batch-capable (`apply_many`): new notifications and their in-app delivery go in a few statements."""

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

    async def apply_many(self, conn: Conn, items: Sequence[Applied]) -> None:
        """`apply` for each in order. Notifications created and delivered (what a consumer's batch of
        new notices writes) go in two statements; any other mix is applied one by one."""
        statuses: list[tuple[uuid.UUID, str, str, str, int, datetime]] = []
        created: list[dict[str, Any]] = []
        for event, payload in items:
            if isinstance(payload, NotificationCreated):
                created.append(
                    {
                        "id": str(payload.notification_id),
                        "member": str(payload.member_id),
                        "origin": payload.origin_division_code,
                        "kind": payload.kind,
                        "channels": list(payload.channels),
                        "at": event.time.isoformat(),
                    }
                )
                statuses += [
                    (payload.notification_id, c, "", "created", 0, event.time)
                    for c in payload.channels
                    if c in ("sms", "email")
                ]
            elif isinstance(payload, NotificationDelivered):
                target = str(payload.subscription_id or "")
                statuses.append(
                    (payload.notification_id, payload.channel, target, "delivered", payload.attempt, event.time)
                )
            else:
                created = []
                break
        keys = {s[:3] for s in statuses}
        if not created or len(keys) != len(statuses):  # another mix, or a status set twice: one by one
            for event, payload in items:
                await self.apply(conn, event, payload)
            return
        await conn.execute(
            """INSERT INTO notifications (notification_id, member_id, origin_division_code, kind, channels, created_at)
               SELECT id, member, origin, kind, channels, at FROM jsonb_to_recordset(($1::text)::jsonb)
                   AS t(id uuid, member uuid, origin text, kind text, channels text[], at timestamptz)
               ON CONFLICT DO NOTHING""",
            json.dumps(created, ensure_ascii=False),
        )
        if statuses:
            await conn.execute(
                """INSERT INTO delivery_status (notification_id, channel, target, status, attempts, updated_at)
                   SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::integer[],
                                        $6::timestamptz[])
                   ON CONFLICT (notification_id, channel, target) DO UPDATE SET status = EXCLUDED.status,
                       attempts = EXCLUDED.attempts, detail = NULL, updated_at = EXCLUDED.updated_at""",
                *[list(column) for column in zip(*statuses, strict=True)],
            )
