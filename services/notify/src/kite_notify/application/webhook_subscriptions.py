"""Use cases: subscribe a webhook, list subscriptions, remove one."""

from __future__ import annotations

import uuid

import asyncpg
from kite_common.auth import Principal
from kite_common.http.problems import Forbidden, NotFound, Unprocessable
from kite_common.ids import new_id
from kite_common.runtime import ServiceRuntime

from kite_notify.adapters import subscription_store
from kite_notify.domain.events import Kind
from kite_notify.domain.webhook_subscription import SubscriptionRuleViolation, WebhookSubscription, stream_id


async def subscribe(
    runtime: ServiceRuntime, principal: Principal, url: str, kinds: list[Kind] | None
) -> asyncpg.Record:
    """The subscription receives notifications of members inside the subscriber's jurisdiction."""
    subscription = WebhookSubscription(new_id())
    try:
        events = subscription.subscribe(url, kinds, principal.jurisdiction, principal.subject)
    except SubscriptionRuleViolation as exc:
        raise Unprocessable(
            str(exc), code="invalid-webhook", errors=[{"field": exc.field, "code": "rule", "message": str(exc)}]
        ) from exc
    async with runtime.unit_of_work() as uow:
        await uow.append(stream_id(subscription.subscription_id), 0, events)
        row = await subscription_store.get(uow.conn, subscription.subscription_id)
    assert row is not None
    return row


async def list_subscriptions(runtime: ServiceRuntime, principal: Principal) -> list[asyncpg.Record]:
    async with runtime.pool.acquire() as conn:
        return await subscription_store.active_within(conn, principal.jurisdiction)


async def unsubscribe(runtime: ServiceRuntime, principal: Principal, subscription_id: uuid.UUID) -> None:
    async with runtime.unit_of_work() as uow:
        row = await subscription_store.get(uow.conn, subscription_id)
        if row is None or row["removed_at"] is not None:
            raise NotFound("未找到该订阅", code="webhook-not-found")
        if not principal.covers(row["jurisdiction"]):
            raise Forbidden("该订阅不在您的管辖范围内", code="outside-jurisdiction")
        loaded = await uow.load(stream_id(subscription_id))
        events = WebhookSubscription.replay(subscription_id, loaded.events).unsubscribe(principal.subject)
        await uow.append(stream_id(subscription_id), loaded.version, events)
