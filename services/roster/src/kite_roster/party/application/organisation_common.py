"""What several organisation commands share: the organisation the caller may act on, its row locked,
the parent something is hung under, and the contacts as the request gives them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from kite_common.auth import Principal
from kite_common.db.types import Connection
from kite_common.domain import NotFound, RuleViolation
from kite_common.ids import new_id
from kite_common.unit_of_work import UnitOfWork

from kite_roster.party.adapters.organisation_contacts import ContactPhones
from kite_roster.party.adapters.organisation_tree import OrganisationRow, organisation_row
from kite_roster.party.domain.organisation import Organisation, ParentInfo
from kite_roster.party.domain.organisation_events import Contact


@dataclass(frozen=True)
class ContactInput:
    name: str
    role: str
    phone: str | None = None
    contact_id: uuid.UUID | None = None  # an existing contact, whose phone is kept when none is given


async def organisation_for_write(
    uow: UnitOfWork, principal: Principal, organisation_id: uuid.UUID, if_match: int | None
) -> Organisation:
    """The organisation as its stream leaves it: 404 when it was never registered or lies outside the
    caller's jurisdiction (the two answer alike, so ids cannot be probed), 412 when `if_match` is not
    its version."""
    org = await uow.get(Organisation, organisation_id)
    if not org.registered or not principal.covers(org.division_code):
        raise NotFound("未找到该组织", code="organisation-not-found")
    org.expect_version(if_match)
    return org


async def locked_row(conn: Connection, principal: Principal, organisation_id: uuid.UUID) -> OrganisationRow:
    """The organisation's row, held FOR UPDATE (nothing is hung under it meanwhile): 404 when there is
    none or it lies outside the caller's jurisdiction."""
    row = await organisation_row(conn, organisation_id, lock="update")
    if row is None or not principal.covers(row.division_code):
        raise NotFound("未找到该组织", code="organisation-not-found")
    return row


async def parent_for_write(conn: Connection, principal: Principal, parent_id: uuid.UUID) -> ParentInfo:
    """The would-be parent, held FOR SHARE until the write commits. One that does not exist, or lies
    outside the caller's jurisdiction (answered alike), is bad input (422), not a missing resource."""
    row = await organisation_row(conn, parent_id, lock="share")
    if row is None or not principal.covers(row.division_code):
        raise RuleViolation("未找到上级组织", code="parent-not-found", field="parent_id")
    return ParentInfo(row.organisation_id, row.name, row.kind, row.division_code, row.dissolved, row.ancestors)


def contacts_to_store(
    inputs: tuple[ContactInput, ...],
    existing: set[uuid.UUID],
    stored_hashes: dict[uuid.UUID, bytes],
    phones: ContactPhones,
) -> tuple[tuple[Contact, ...], dict[uuid.UUID, str]]:
    """Contacts for the event, and the phones to store (only those new or changed)."""
    contacts: list[Contact] = []
    phone_of: dict[uuid.UUID, str] = {}
    for i, c in enumerate(inputs):
        if c.contact_id is None:
            if c.phone is None:
                raise RuleViolation("新联系人须填写联系电话", code="phone-required", field=f"contacts.{i}.phone")
            contact_id = new_id()
        elif c.contact_id not in existing:
            raise RuleViolation("该组织没有这名联系人", code="contact-not-found", field=f"contacts.{i}.contact_id")
        else:
            contact_id = c.contact_id
        if c.phone is not None and stored_hashes.get(contact_id) != phones.phone_hash(c.phone):
            phone_of[contact_id] = c.phone
        contacts.append(Contact(contact_id=contact_id, name=c.name, role=c.role))
    return tuple(contacts), phone_of
