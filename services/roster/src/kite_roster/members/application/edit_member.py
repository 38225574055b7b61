"""Use case: edit a member's name, phone, skills, languages, disability, union membership, industry.

A new phone number is re-encrypted and re-indexed in member_pii in the same transaction as the
`member-updated` event, which says only that the phone changed."""

from __future__ import annotations

import uuid
from dataclasses import replace

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.db.types import Connection
from kite_common.privacy import mask_phone
from kite_common.unit_of_work import UnitOfWork

from kite_roster.members.adapters.pii_vault import PHONE_CONTEXT, PiiVault
from kite_roster.members.application.member_writes import member_to_change
from kite_roster.members.domain.member import MemberEdit


@command
async def edit_member(
    uow: UnitOfWork,
    vault: PiiVault,
    principal: Principal,
    member_id: uuid.UUID,
    edit: MemberEdit,
    phone: str | None = None,
    if_match: int | None = None,
) -> None:
    """`phone` is the new number, or None to keep it. An edit that changes nothing stores nothing."""
    async with uow:
        member = await member_to_change(uow, principal, member_id, if_match)
        phone_changed = phone is not None and await _phone_differs(uow.conn, vault, member_id, phone)
        if not member.edit(replace(edit, phone_changed=phone_changed), updated_by=principal.subject):
            return
        if phone_changed:
            assert phone is not None
            await _replace_phone(uow.conn, vault, member_id, phone)
        await uow.save(member)


async def _phone_differs(conn: Connection, vault: PiiVault, member_id: uuid.UUID, phone: str) -> bool:
    current: bytes | None = await conn.fetchval("SELECT phone_hash FROM member_pii WHERE member_id = $1", member_id)
    return current != vault.phone_hash(phone)


async def _replace_phone(conn: Connection, vault: PiiVault, member_id: uuid.UUID, phone: str) -> None:
    await conn.execute(
        "UPDATE member_pii SET phone_enc = $2, phone_hash = $3, phone_masked = $4 WHERE member_id = $1",
        member_id,
        vault.protector.encrypt(phone, PHONE_CONTEXT),
        vault.phone_hash(phone),
        mask_phone(phone),
    )
