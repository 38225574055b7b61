"""Use case: a member (or staff for them) marks a notification read."""

from __future__ import annotations

import uuid

import asyncpg
from kite_common.auth import Principal
from kite_common.http.problems import NotFound
from kite_common.runtime import ServiceRuntime

from kite_notify.application.change_notification import change_notification
from kite_notify.application.inbox_access import check_access
from kite_notify.application.inbox_queries import get_item


async def mark_read(
    runtime: ServiceRuntime, principal: Principal, member_id: uuid.UUID, notification_id: uuid.UUID
) -> asyncpg.Record:
    async with runtime.pool.acquire() as conn:
        await check_access(conn, principal, member_id, write=True)
        row = await get_item(conn, member_id, notification_id)
    if row is None:
        raise NotFound("未找到该消息", code="notification-not-found")
    if row["read_at"] is not None:
        return row  # marking twice changes nothing
    await change_notification(runtime.unit_of_work, notification_id, lambda n: n.mark_read(principal.subject))
    async with runtime.pool.acquire() as conn:
        updated = await get_item(conn, member_id, notification_id)
    assert updated is not None
    return updated
