"""/notifications: send one message by SMS or email, and see where any notification stands."""

from __future__ import annotations

import json
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from kite_common.auth import Principal, Role, current_principal, require_roles
from kite_common.http.app import RuntimeDep as Runtime
from kite_common.privacy import FieldProtector, mask_phone

from kite_notify.adapters.pii import field_protector
from kite_notify.api.notification_schemas import (
    DeliveryResponse,
    HistoryEntry,
    HistoryResponse,
    NotificationStatusResponse,
    SendEmailRequest,
    SendResponse,
    SendRobotRequest,
    SendSmsRequest,
)
from kite_notify.application.notification_status import notification_history, notification_status
from kite_notify.application.preferences import mask_email
from kite_notify.application.send_message import send_message

router = APIRouter(prefix="/notifications", tags=["notifications"])

Sender = Annotated[Principal, Depends(require_roles(Role.NOTIFIER))]
Caller = Annotated[Principal, Depends(current_principal)]


Protector = Annotated[FieldProtector, Depends(field_protector)]


def _answer(response: Response, new: bool, notification_id: uuid.UUID) -> None:
    response.status_code = 201 if new else 200
    response.headers["Location"] = f"/notifications/{notification_id}"


@router.post("/sms", status_code=201, response_model=SendResponse, summary="发送短信（同一业务编号只发一次）")
async def send_sms(
    body: SendSmsRequest, principal: Sender, runtime: Runtime, protector: Protector, response: Response
) -> SendResponse:
    done = await send_message(
        runtime.unit_of_work(),
        principal,
        protector,
        "sms",
        body.phone_number,
        body.kind,
        body.language,
        body.personalisation,
        body.reference,
    )
    _answer(response, done.new, done.notification_id)
    return SendResponse(
        notification_id=done.notification_id, recipient=mask_phone(body.phone_number), reference=body.reference
    )


@router.post("/email", status_code=201, response_model=SendResponse, summary="发送电子邮件（同一业务编号只发一次）")
async def send_email(
    body: SendEmailRequest, principal: Sender, runtime: Runtime, protector: Protector, response: Response
) -> SendResponse:
    done = await send_message(
        runtime.unit_of_work(),
        principal,
        protector,
        "email",
        body.email_address,
        body.kind,
        body.language,
        body.personalisation,
        body.reference,
    )
    _answer(response, done.new, done.notification_id)
    return SendResponse(
        notification_id=done.notification_id, recipient=mask_email(body.email_address), reference=body.reference
    )


@router.post(
    "/robot",
    status_code=201,
    response_model=SendResponse,
    summary="发到群机器人（企业微信、钉钉、飞书；同一业务编号只发一次）",
)
async def send_robot(
    body: SendRobotRequest, principal: Sender, runtime: Runtime, protector: Protector, response: Response
) -> SendResponse:
    done = await send_message(
        runtime.unit_of_work(),
        principal,
        protector,
        "robot",
        str(body.robot_id),
        body.kind,
        body.language,
        body.personalisation,
        body.reference,
    )
    _answer(response, done.new, done.notification_id)
    return SendResponse(
        notification_id=done.notification_id, recipient=f"群机器人 {body.robot_id}", reference=body.reference
    )


@router.get("/{notification_id}", response_model=NotificationStatusResponse, summary="消息投递状态")
async def status(notification_id: uuid.UUID, principal: Caller, runtime: Runtime) -> NotificationStatusResponse:
    found = await notification_status(runtime, principal, notification_id)
    n = found.notification
    return NotificationStatusResponse(
        notification_id=n["notification_id"],
        member_id=n["member_id"],
        kind=n["kind"],
        channels=list(n["channels"]),
        reference=n["reference"],
        created_at=n["created_at"],
        deliveries=[DeliveryResponse.model_validate(dict(d)) for d in found.deliveries],
    )


@router.get("/{notification_id}/history", response_model=HistoryResponse, summary="消息的全部事件")
async def history(notification_id: uuid.UUID, principal: Caller, runtime: Runtime) -> HistoryResponse:
    rows = await notification_history(runtime, principal, notification_id)
    return HistoryResponse(
        items=[
            HistoryEntry(
                type=r["type"],
                occurred_at=r["occurred_at"],
                data=json.loads(r["data"]) if isinstance(r["data"], str) else r["data"],
            )
            for r in rows
        ]
    )
