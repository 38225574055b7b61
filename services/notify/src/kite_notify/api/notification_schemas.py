"""HTTP bodies of the send and status API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Send(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: str = Field(min_length=1, max_length=50, description="消息类型（模板），见 /templates/kinds")
    language: str = Field(default="zh-Hans", max_length=10, description="zh-Hans、bo 或 ii；缺少译文时用中文")
    personalisation: dict[str, str] = Field(default_factory=dict, max_length=20, description="占位符的值")
    reference: str | None = Field(
        default=None, min_length=1, max_length=100, description="发送方的业务编号：同一编号只发送一次"
    )


class SendSmsRequest(_Send):
    phone_number: str = Field(max_length=20, description="手机号（加密保存，回显时脱敏）")


class SendEmailRequest(_Send):
    email_address: str = Field(max_length=254, description="电子邮件地址（加密保存，回显时脱敏）")


class SendRobotRequest(_Send):
    robot_id: uuid.UUID = Field(description="群机器人编号（/robots）")


class SendResponse(BaseModel):
    notification_id: uuid.UUID
    recipient: str = Field(description="脱敏后的收件人")
    reference: str | None


class DeliveryResponse(BaseModel):
    channel: str
    target: str = Field(description="推送渠道为订阅编号，其余为空")
    status: str = Field(
        description="created / sending / delivered / temporary-failure / permanent-failure / technical-failure"
    )
    attempts: int
    detail: str | None
    provider_reference: str | None
    updated_at: datetime


class NotificationStatusResponse(BaseModel):
    notification_id: uuid.UUID
    member_id: uuid.UUID | None
    kind: str
    channels: list[str]
    reference: str | None
    created_at: datetime
    deliveries: list[DeliveryResponse]


class HistoryEntry(BaseModel):
    type: str
    occurred_at: datetime
    data: dict[str, Any]


class HistoryResponse(BaseModel):
    items: list[HistoryEntry]
