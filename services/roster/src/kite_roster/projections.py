"""The roster's inline projections, in the order they run, declared once: the service writes through
them, and so does a bulk import (also in a reader process of its own, which has no service runtime)."""

from __future__ import annotations

from kite_common.projection import Projection

from kite_roster.households.adapters.household_projection import HouseholdProjection
from kite_roster.members.adapters.member_projection import MemberProjection
from kite_roster.members.adapters.registration_ledger import RegistrationLedgerProjection
from kite_roster.monitoring.adapters.monitoring_projection import MonitoringProjection
from kite_roster.party.adapters.organisation_projection import OrganisationProjection
from kite_roster.party.adapters.party_projection import PartyProjection

# The registration ledger reads a member's previous place from `members`: it comes before them.
PROJECTIONS: tuple[Projection, ...] = (
    RegistrationLedgerProjection(),
    MemberProjection(),
    HouseholdProjection(),
    OrganisationProjection(),
    PartyProjection(),
    MonitoringProjection(),
)

__all__ = ["PROJECTIONS"]
