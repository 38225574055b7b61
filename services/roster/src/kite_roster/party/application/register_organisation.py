"""Use case: register an organisation (党委/党总支/党支部, 驻外服务站, 乡镇, 村 …), under a parent or as a root."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.domain import Forbidden
from kite_common.ids import new_id
from kite_common.unit_of_work import UnitOfWork

from kite_roster.party.adapters.organisation_contacts import ContactPhones
from kite_roster.party.application.organisation_common import ContactInput, contacts_to_store, parent_for_write
from kite_roster.party.domain.organisation import Organisation, OrganisationDraft
from kite_roster.party.domain.organisation_events import OrganisationKind


@dataclass(frozen=True)
class NewOrganisation:
    name: str
    kind: OrganisationKind
    division_code: str
    host_city: str | None
    parent_id: uuid.UUID | None
    contacts: tuple[ContactInput, ...]


@command
async def register_organisation(
    uow: UnitOfWork, phones: ContactPhones, principal: Principal, new: NewOrganisation
) -> uuid.UUID:
    """Returns the new organisation's id. Contacts' phones are stored encrypted, never in the event."""
    if not principal.covers(new.division_code):
        raise Forbidden("该组织所在地区不在您的管辖范围内，不能登记", code="outside-jurisdiction")
    contacts, phone_of = contacts_to_store(new.contacts, existing=set(), stored_hashes={}, phones=phones)
    draft = OrganisationDraft(new.name, new.kind, new.division_code, new.host_city, contacts)
    async with uow:
        parent = None if new.parent_id is None else await parent_for_write(uow.conn, principal, new.parent_id)
        org = Organisation.create(new_id())
        org.register(draft, parent, principal.subject)
        await phones.store(uow.conn, org.organisation_id, phone_of)
        await uow.save(org)
    return org.organisation_id
