"""Use case: the SMS provider's delivery receipts move messages from `sending` to `delivered` (or a
failure). A batch is taken whole or not at all: a receipt for a message notify did not send, or
whose provider reference does not match, refuses the batch and changes nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_notify.domain.notification import Notification, NotificationNotFound


@dataclass(frozen=True)
class Receipt:
    out_id: str  # the notification id notify sent as OutId
    biz_id: str  # the provider's id of the send (BizId)
    success: bool
    code: str
    message: str


def _unknown(out_id: str) -> NotificationNotFound:
    return NotificationNotFound(f"回执对应的短信不存在（OutId {out_id[:64]}）", code="receipt-unknown-message")


@command
async def record_receipts(uow: UnitOfWork, channel: str, receipts: list[Receipt]) -> int:
    """How many receipts changed a status (a repeated receipt changes nothing)."""
    changed = 0
    async with uow:
        for r in receipts:
            try:
                notification_id = uuid.UUID(r.out_id)
            except ValueError as exc:
                raise _unknown(r.out_id) from exc
            notification = await uow.get(Notification, notification_id)
            reference = notification.provider_references.get(channel)
            if channel not in notification.statuses or (reference is not None and reference != r.biz_id):
                raise _unknown(r.out_id)
            status = "delivered" if r.success else "temporary-failure"
            detail = None if r.success else f"{r.code}: {r.message}"
            attempt = notification.attempts.get(channel, 1)
            if notification.record_status(channel, status, attempt, detail, r.biz_id):
                changed += 1
            await uow.save(notification)
    return changed
