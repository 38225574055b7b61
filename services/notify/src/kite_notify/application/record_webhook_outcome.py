"""Use cases of the webhook worker: a delivery's outcome is stored as notification-delivered or
notification-delivery-failed in the transaction that takes the delivery off the queue."""

from __future__ import annotations

from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_notify.adapters import delivery_queue
from kite_notify.adapters.delivery_queue import Claimed
from kite_notify.domain.notification import Notification


@command
async def record_webhook_delivered(uow: UnitOfWork, delivery: Claimed, attempt: int) -> None:
    async with uow:
        notification = await uow.get(Notification, delivery.notification_id)
        notification.record_delivery("webhook", delivery.subscription_id, attempt)
        await uow.save(notification)
        await delivery_queue.finish(uow.conn, delivery)


@command
async def record_webhook_failed(uow: UnitOfWork, delivery: Claimed, attempt: int, error: str) -> None:
    async with uow:
        notification = await uow.get(Notification, delivery.notification_id)
        notification.record_failure("webhook", delivery.subscription_id, attempt, error)
        await uow.save(notification)
        await delivery_queue.finish(uow.conn, delivery)
