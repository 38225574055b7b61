"""roster.events: every published payload, registered by importing each aggregate's events module.
No ID or phone number ever appears in any of them."""

from __future__ import annotations

from kite_roster.households.domain import household_events  # noqa: F401  (registers)
from kite_roster.members.domain import member_events  # noqa: F401  (registers)
from kite_roster.monitoring.domain import monitoring_events  # noqa: F401  (registers)
from kite_roster.party.domain import (
    organisation_events,  # noqa: F401  (registers)
    party_events,  # noqa: F401  (registers)
)
from kite_roster.shared.event_registry import registry

__all__ = ["registry"]
