"""Use case of the delivery worker: a send's outcome becomes the delivery's status, stored in the
transaction that takes the delivery off the queue (a final one) — so it is recorded exactly once."""

from __future__ import annotations

from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_notify.adapters import outbound_queue
from kite_notify.adapters.outbound_queue import Pending
from kite_notify.domain.notification import Notification


@command
async def record_delivery_status(
    uow: UnitOfWork, pending: Pending, status: str, attempt: int, detail: str | None, provider_reference: str | None
) -> None:
    async with uow:
        notification = await uow.get(Notification, pending.notification_id)
        notification.record_status(pending.channel, status, attempt, detail, provider_reference)
        await uow.save(notification)
        await outbound_queue.finish(uow.conn, pending)
