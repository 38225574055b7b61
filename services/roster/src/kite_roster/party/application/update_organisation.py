"""Use case: edit an organisation's name, host city and contacts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_roster.party.adapters.organisation_contacts import ContactPhones
from kite_roster.party.application.organisation_common import (
    ContactInput,
    contacts_to_store,
    organisation_for_write,
)
from kite_roster.party.domain.organisation import OrganisationEdit


@dataclass(frozen=True)
class OrganisationChanges:
    name: str
    host_city: str | None
    contacts: tuple[ContactInput, ...]


@command
async def update_organisation(
    uow: UnitOfWork,
    phones: ContactPhones,
    principal: Principal,
    organisation_id: uuid.UUID,
    changes: OrganisationChanges,
    if_match: int | None,
) -> None:
    """An edit that changes nothing stores nothing; a contact left out loses its stored phone."""
    async with uow:
        org = await organisation_for_write(uow, principal, organisation_id, if_match)
        contacts, phone_of = contacts_to_store(
            changes.contacts,
            existing={c.contact_id for c in org.contacts},
            stored_hashes=await phones.stored_hashes(uow.conn, organisation_id),
            phones=phones,
        )
        edit = OrganisationEdit(changes.name, changes.host_city, contacts)
        if not org.update(edit, principal.subject, phones_changed=bool(phone_of)):
            return
        await phones.store(uow.conn, organisation_id, phone_of)
        await phones.keep_only(uow.conn, organisation_id, [c.contact_id for c in contacts])
        await uow.save(org)
