"""/webhooks: where notifications are pushed, signed."""

from __future__ import annotations

import uuid
from typing import Annotated

import asyncpg
from fastapi import APIRouter, Depends, Response
from kite_common.auth import Principal, Role, require_roles
from kite_common.http.app import RuntimeDep as Runtime

from kite_notify.api.schemas import SubscribeWebhookRequest, WebhookSubscriptionList, WebhookSubscriptionResponse
from kite_notify.application.webhook_subscriptions import list_subscriptions, subscribe, unsubscribe

router = APIRouter(prefix="/webhooks", tags=["webhooks"])

Manager = Annotated[Principal, Depends(require_roles(Role.NOTIFIER))]


def _response(row: asyncpg.Record) -> WebhookSubscriptionResponse:
    return WebhookSubscriptionResponse.model_validate(dict(row))


@router.post("", status_code=201, response_model=WebhookSubscriptionResponse, summary="订阅通知推送")
async def create(
    body: SubscribeWebhookRequest, principal: Manager, runtime: Runtime, response: Response
) -> WebhookSubscriptionResponse:
    row = await subscribe(runtime.unit_of_work(), principal, body.url, body.kinds)
    response.headers["Location"] = f"/webhooks/{row['subscription_id']}"
    return _response(row)


@router.get("", response_model=WebhookSubscriptionList, summary="查看推送订阅")
async def list_(principal: Manager, runtime: Runtime) -> WebhookSubscriptionList:
    return WebhookSubscriptionList(items=[_response(r) for r in await list_subscriptions(runtime, principal)])


@router.delete("/{subscription_id}", status_code=204, summary="取消推送订阅")
async def delete(subscription_id: uuid.UUID, principal: Manager, runtime: Runtime) -> Response:
    await unsubscribe(runtime.unit_of_work(), principal, subscription_id)
    return Response(status_code=204)
