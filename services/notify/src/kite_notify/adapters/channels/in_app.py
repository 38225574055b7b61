"""The in-app channel: the member's inbox, written in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence

from kite_notify.adapters.db import Conn
from kite_notify.domain.channel import NotificationMessage


class InAppChannel:
    name = "in_app"

    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def deliver(self, message: NotificationMessage) -> None:
        n = message.notification
        await self.conn.execute(
            """INSERT INTO member_inbox (notification_id, member_id, origin_division_code, kind, title, body,
                                         created_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (notification_id) DO NOTHING""",
            n.notification_id,
            n.member_id,
            n.origin_division_code,
            n.kind,
            n.title,
            n.body,
            message.created_at,
        )

    async def deliver_many(self, messages: Sequence[NotificationMessage]) -> None:
        """`deliver` for many notifications in one statement."""
        ns = [m.notification for m in messages]
        await self.conn.execute(
            """INSERT INTO member_inbox (notification_id, member_id, origin_division_code, kind, title, body,
                                         created_at)
               SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[],
                                    $7::timestamptz[])
               ON CONFLICT (notification_id) DO NOTHING""",
            [n.notification_id for n in ns],
            [n.member_id for n in ns],
            [n.origin_division_code for n in ns],
            [n.kind for n in ns],
            [n.title for n in ns],
            [n.body for n in ns],
            [m.created_at for m in messages],
        )
