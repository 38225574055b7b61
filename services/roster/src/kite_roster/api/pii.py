"""FastAPI dependencies for the roster's encrypted personal data: one protector per process."""

from __future__ import annotations

from functools import lru_cache

from kite_common.privacy import FieldProtector

from kite_roster.adapters.organisation_contacts import ContactPhones
from kite_roster.adapters.pii_vault import PiiVault


@lru_cache
def field_protector() -> FieldProtector:
    return FieldProtector.from_settings()


def pii_vault() -> PiiVault:
    return PiiVault(field_protector())


def contact_phones() -> ContactPhones:
    return ContactPhones(field_protector())
