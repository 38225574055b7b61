"""Queries: where a notification's deliveries stand, and its history — for staff whose jurisdiction
covers it, or for the member it was for. Outside the jurisdiction it answers as an unknown one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import asyncpg
from kite_common.auth import Principal, Role
from kite_common.domain import Forbidden
from kite_common.runtime import ServiceRuntime

from kite_notify.adapters import status_store
from kite_notify.adapters.db import Conn
from kite_notify.application.inbox_access import READERS
from kite_notify.domain.notification import NotificationNotFound


@dataclass(frozen=True)
class Status:
    notification: asyncpg.Record
    deliveries: list[asyncpg.Record]


async def _visible(conn: Conn, principal: Principal, notification_id: uuid.UUID) -> asyncpg.Record:
    row = await status_store.get(conn, notification_id)
    own = row is not None and Role.MEMBER in principal.roles and str(row["member_id"]) == principal.subject
    if own:
        assert row is not None
        return row
    if not principal.has_any(*READERS):
        raise Forbidden("只能查看本人的消息", code="not-your-notification")
    if row is None or not principal.covers(row["origin_division_code"]):
        raise NotificationNotFound("未找到该消息")
    return row


async def notification_status(runtime: ServiceRuntime, principal: Principal, notification_id: uuid.UUID) -> Status:
    async with runtime.pool.acquire() as conn:
        row = await _visible(conn, principal, notification_id)
        return Status(row, await status_store.deliveries(conn, notification_id))


async def notification_history(
    runtime: ServiceRuntime, principal: Principal, notification_id: uuid.UUID
) -> list[asyncpg.Record]:
    async with runtime.pool.acquire() as conn:
        await _visible(conn, principal, notification_id)
        return await status_store.history(conn, notification_id)
