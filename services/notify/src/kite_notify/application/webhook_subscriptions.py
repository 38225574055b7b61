"""Use cases: subscribe a webhook, list subscriptions, remove one."""

from __future__ import annotations

import uuid

import asyncpg
from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.domain import NotFound
from kite_common.http.outbound import AddressGuard, AddressRefused
from kite_common.ids import new_id
from kite_common.runtime import ServiceRuntime
from kite_common.settings import WebhookSettings
from kite_common.unit_of_work import UnitOfWork

from kite_notify.adapters import subscription_store
from kite_notify.domain.events import Kind
from kite_notify.domain.webhook_subscription import SubscriptionRuleViolation, WebhookSubscription, check_url


@command
async def subscribe(uow: UnitOfWork, principal: Principal, url: str, kinds: list[Kind] | None) -> asyncpg.Record:
    """The subscription receives notifications of members inside the subscriber's jurisdiction.
    Its URL must not reach inside (resolved now; checked again at each delivery)."""
    try:
        await AddressGuard.of(WebhookSettings().allowed_networks).check(check_url(url), allow_unresolved=True)
    except AddressRefused as exc:
        raise SubscriptionRuleViolation(str(exc), "url") from exc
    async with uow:
        subscription = WebhookSubscription.create(new_id())
        subscription.subscribe(url, kinds, principal.jurisdiction, principal.subject)
        await uow.save(subscription)
        row = await subscription_store.get(uow.conn, subscription.subscription_id)
    assert row is not None
    return row


async def list_subscriptions(runtime: ServiceRuntime, principal: Principal) -> list[asyncpg.Record]:
    async with runtime.pool.acquire() as conn:
        return await subscription_store.active_within(conn, principal.jurisdiction)


@command
async def unsubscribe(uow: UnitOfWork, principal: Principal, subscription_id: uuid.UUID) -> None:
    async with uow:
        subscription = await uow.get(WebhookSubscription, subscription_id)
        if not subscription.active or not principal.covers(subscription.jurisdiction):  # outside: as unknown
            raise NotFound("未找到该订阅", code="webhook-not-found")
        subscription.unsubscribe(principal.subject)
        await uow.save(subscription)
