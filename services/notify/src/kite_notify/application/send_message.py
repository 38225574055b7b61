"""Use case: staff send one message to an email address or a mobile number (GOV.UK Notify's send):
written from the template of `kind` for that channel and language, queued for the delivery worker.

A sender's `reference` makes the send idempotent: the same sender with the same reference gets the
message they already asked for, and nothing is sent twice.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.domain import RuleViolation
from kite_common.ids import new_id
from kite_common.privacy import FieldProtector
from kite_common.unit_of_work import UnitOfWork

from kite_notify.adapters import outbound_queue, template_store
from kite_notify.adapters.channel_settings import sms_template_codes
from kite_notify.application.robots import robot_address
from kite_notify.application.templates import TemplateNotFound
from kite_notify.domain.delivery import OutboundChannel
from kite_notify.domain.events import MessageRequested
from kite_notify.domain.notification import Notification
from kite_notify.domain.sms_template_codes import require_code
from kite_notify.domain.template import check_address
from kite_notify.domain.templates import render

_REFERENCE_NAMESPACE = uuid.UUID("6b697465-6e6f-7469-6679-000000000003")  # fixed forever
PHONE = re.compile(r"^1[0-9]{10}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
ADDRESS_CONTEXT = "notify.address"


@dataclass(frozen=True)
class Requested:
    notification_id: uuid.UUID
    new: bool  # False: this sender's reference had already asked for it


def check_recipient(channel: OutboundChannel, address: str) -> None:
    if channel == "robot":
        try:
            uuid.UUID(address)
        except ValueError:
            raise RuleViolation("群机器人编号格式不正确", field="robot_id", code="bad-recipient") from None
    if channel == "sms" and not PHONE.match(address):
        raise RuleViolation("手机号格式不正确（应为 11 位，以 1 开头）", field="phone_number", code="bad-recipient")
    if channel == "email" and (len(address) > 254 or not EMAIL.match(address)):
        raise RuleViolation("电子邮件地址格式不正确", field="email_address", code="bad-recipient")


@command
async def send_message(
    uow: UnitOfWork,
    principal: Principal,
    protector: FieldProtector,
    channel: OutboundChannel,
    address: str,  # a number, an email address, or for "robot" the group robot's id
    kind: str,
    language: str,
    values: Mapping[str, str],
    reference: str | None,
) -> Requested:
    check_address(kind, channel, language)
    check_recipient(channel, address)
    sms = sms_template_codes() if channel == "sms" else None
    if sms is not None:  # the provider sends only approved templates: refused now rather than failing later
        require_code(*sms, kind)
    notification_id = (
        uuid.uuid5(_REFERENCE_NAMESPACE, f"{principal.subject}#{reference}") if reference is not None else new_id()
    )
    async with uow:
        notification = await uow.get(Notification, notification_id)
        if notification.created:
            return Requested(notification_id, new=False)
        if channel == "robot":  # the robot's credentials, sealed again beside the queued message
            robot, _ = await robot_address(uow.conn, principal, protector, uuid.UUID(address))
            address = robot.sealed_form()
        template = await template_store.for_notice(uow.conn, kind, channel, language, principal.jurisdiction)
        if template is None:
            raise TemplateNotFound("该消息类型还没有模板", code="template-not-found")
        missing = [p for p in template.placeholders if not values.get(p)]
        if missing:
            raise RuleViolation(f"缺少占位符的值：{'、'.join(missing)}", field="personalisation", code="missing-values")
        used = {p: values[p] for p in template.placeholders}
        text = render(template.text, used)
        notification.request(
            MessageRequested(
                notification_id=notification_id,
                channel=channel,
                kind=kind,
                language=template.language,
                template_version=template.version,
                title=text.title,
                body=text.body,
                reference=reference,
                jurisdiction=principal.jurisdiction,
                requested_by=principal.subject,
            )
        )
        await uow.save(notification)
        sealed = protector.encrypt(address, ADDRESS_CONTEXT)
        await outbound_queue.enqueue(
            uow.conn, notification_id, channel, sealed, kind, text.title, text.body, used, uow.topic
        )
    return Requested(notification_id, new=True)
