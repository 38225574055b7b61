"""HTTP request and response bodies of the notify API."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from kite_notify.domain.events import Kind


class InboxItem(BaseModel):
    notification_id: uuid.UUID
    member_id: uuid.UUID
    kind: str
    title: str
    body: str
    created_at: datetime
    read: bool
    read_at: datetime | None


class InboxPage(BaseModel):
    items: list[InboxItem]
    next_cursor: str | None
    unread: int = Field(description="未读消息数")


class SubscribeWebhookRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    url: str = Field(min_length=8, max_length=2000, description="接收通知的 http(s) 地址")
    kinds: list[Kind] | None = Field(default=None, min_length=1, description="只接收这些类型；缺省时接收全部")


class WebhookSubscriptionResponse(BaseModel):
    subscription_id: uuid.UUID
    url: str
    kinds: list[Kind] | None
    jurisdiction: str = Field(description="只推送户籍地在此区划代码前缀内的人员的通知")
    created_by: str
    created_at: datetime


class WebhookSubscriptionList(BaseModel):
    items: list[WebhookSubscriptionResponse]
