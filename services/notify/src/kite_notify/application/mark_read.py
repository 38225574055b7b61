"""Use case: a member (or staff for them) marks a notification read."""

from __future__ import annotations

import uuid

import asyncpg
from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.domain import NotFound
from kite_common.unit_of_work import UnitOfWork

from kite_notify.adapters.inbox_store import get_item, mark_broadcast_read
from kite_notify.application.inbox_access import check_access
from kite_notify.domain.notification import Notification


@command
async def mark_read(
    uow: UnitOfWork, principal: Principal, member_id: uuid.UUID, notification_id: uuid.UUID
) -> asyncpg.Record:
    """The inbox item as marking leaves it; marking twice changes nothing."""
    async with uow:
        await check_access(uow.conn, principal, member_id, write=True)
        row = await get_item(uow.conn, member_id, notification_id)
        if row is None:
            raise NotFound("未找到该消息", code="notification-not-found")
        if row["read_at"] is not None:
            return row
        if row["kind"] == "broadcast":  # a broadcast is read per member, beside the broadcast's results
            await mark_broadcast_read(uow.conn, member_id, notification_id)
            updated = await get_item(uow.conn, member_id, notification_id)
            assert updated is not None
            return updated
        notification = await uow.get(Notification, notification_id)
        notification.mark_read(principal.subject)
        await uow.save(notification)
        updated = await get_item(uow.conn, member_id, notification_id)
    assert updated is not None
    return updated
