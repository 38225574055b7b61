"""FastAPI dependency for organisation contacts' encrypted phone numbers (the process's one protector)."""

from __future__ import annotations

from kite_roster.party.adapters.organisation_contacts import ContactPhones
from kite_roster.shared.pii import field_protector


async def contact_phones() -> ContactPhones:
    return ContactPhones(field_protector())
