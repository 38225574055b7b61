"""Use cases: a member sets their notification preferences (or staff set them for the member), and
reads them. Who may: the member with a `member` token, or a notifier whose jurisdiction covers the
member; outside it the member answers as an unknown one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.privacy import FieldProtector, mask_phone
from kite_common.runtime import ServiceRuntime
from kite_common.unit_of_work import UnitOfWork

from kite_notify.adapters import preference_store
from kite_notify.application.inbox_access import check_access
from kite_notify.application.send_message import check_recipient
from kite_notify.domain.preferences import MemberPreferences, Preferences

PHONE_CONTEXT = "notify.preferences.phone"
EMAIL_CONTEXT = "notify.preferences.email"


@dataclass(frozen=True)
class Shown:
    preferences: Preferences
    phone: str | None  # masked
    email: str | None  # masked
    set_by: str | None
    updated_at: datetime | None


def mask_email(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def _shown(stored: preference_store.StoredPreferences | None, protector: FieldProtector) -> Shown:
    if stored is None:
        return Shown(Preferences(), None, None, None, None)
    phone = mask_phone(protector.decrypt(stored.phone_enc, PHONE_CONTEXT)) if stored.phone_enc else None
    email = mask_email(protector.decrypt(stored.email_enc, EMAIL_CONTEXT)) if stored.email_enc else None
    return Shown(stored.preferences, phone, email, stored.set_by, stored.updated_at)


async def get_preferences(
    runtime: ServiceRuntime, principal: Principal, protector: FieldProtector, member_id: uuid.UUID
) -> Shown:
    async with runtime.pool.acquire() as conn:
        await check_access(conn, principal, member_id)
        return _shown(await preference_store.find(conn, member_id), protector)


@command
async def set_preferences(
    uow: UnitOfWork,
    principal: Principal,
    protector: FieldProtector,
    member_id: uuid.UUID,
    wanted: Preferences,
    phone: str | None,  # None: keep the one stored; "": remove it
    email: str | None,
    now: datetime,
) -> Shown:
    async with uow:
        await check_access(uow.conn, principal, member_id, write=True)
        stored = await preference_store.find(uow.conn, member_id)
        phone_enc = stored.phone_enc if stored else None
        email_enc = stored.email_enc if stored else None
        if phone is not None:
            if phone:
                check_recipient("sms", phone)
            phone_enc = protector.encrypt(phone, PHONE_CONTEXT) if phone else None
        if email is not None:
            if email:
                check_recipient("email", email)
            email_enc = protector.encrypt(email, EMAIL_CONTEXT) if email else None
        wanted = replace(wanted, has_phone=phone_enc is not None, has_email=email_enc is not None)
        aggregate = await uow.get(MemberPreferences, member_id)
        aggregate.set(wanted, principal.subject)
        await uow.save(aggregate)
        await preference_store.save(uow.conn, member_id, wanted, phone_enc, email_enc, principal.subject, now)
        saved = await preference_store.find(uow.conn, member_id)
    return _shown(saved, protector)
