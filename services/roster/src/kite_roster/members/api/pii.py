"""FastAPI dependency for members' encrypted ID and phone numbers (the process's one protector)."""

from __future__ import annotations

from kite_roster.members.adapters.pii_vault import PiiVault
from kite_roster.shared.pii import field_protector


async def pii_vault() -> PiiVault:
    return PiiVault(field_protector())
