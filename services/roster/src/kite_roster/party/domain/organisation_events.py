"""Organisation events on roster.events. Contacts' phone numbers never appear here: they live
encrypted in organisation_contact_pii, keyed by the contact_id the events carry."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum

from kite_common.events import EventPayload
from pydantic import BaseModel, ConfigDict

from kite_roster.shared.event_registry import registry


class OrganisationKind(StrEnum):
    PARTY_COMMITTEE = "party-committee"
    GENERAL_BRANCH = "general-branch"
    BRANCH = "branch"
    OUTSTATION_BRANCH = "outstation-branch"
    SERVICE_STATION = "service-station"
    HR_STATION = "hr-station"
    UNION_WORK_GROUP = "union-work-group"
    TOWNSHIP = "township"
    VILLAGE = "village"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    OrganisationKind.PARTY_COMMITTEE: "党委",
    OrganisationKind.GENERAL_BRANCH: "党总支",
    OrganisationKind.BRANCH: "党支部",
    OrganisationKind.OUTSTATION_BRANCH: "驻外流动党支部",
    OrganisationKind.SERVICE_STATION: "驻外服务站",
    OrganisationKind.HR_STATION: "人力资源服务站",
    OrganisationKind.UNION_WORK_GROUP: "工会联合会村级工作组",
    OrganisationKind.TOWNSHIP: "乡镇",
    OrganisationKind.VILLAGE: "村",
}


class Contact(BaseModel):
    """A contact person of an organisation; the phone is stored apart, under contact_id."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    contact_id: uuid.UUID
    name: str
    role: str


@registry.register
class OrganisationRegistered(EventPayload):
    event_name = "organisation-registered"

    organisation_id: uuid.UUID
    name: str
    kind: OrganisationKind
    division_code: str
    host_city: str | None = None
    parent_id: uuid.UUID | None = None
    contacts: list[Contact] = []
    registered_by: str


@registry.register
class OrganisationUpdated(EventPayload):
    """The editable fields, all of them, as they are after the edit."""

    event_name = "organisation-updated"

    organisation_id: uuid.UUID
    name: str
    host_city: str | None = None
    contacts: list[Contact] = []
    updated_by: str


@registry.register
class OrganisationMoved(EventPayload):
    event_name = "organisation-moved"

    organisation_id: uuid.UUID
    from_parent_id: uuid.UUID | None = None
    to_parent_id: uuid.UUID | None = None
    moved_by: str


@registry.register
class OrganisationDissolved(EventPayload):
    event_name = "organisation-dissolved"

    organisation_id: uuid.UUID
    dissolved_on: date
    reason: str
    dissolved_by: str
