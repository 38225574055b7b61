"""Use case: pair households with cadres (结对帮扶), checked against the pairing rules."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

import asyncpg
from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.domain import Conflict
from kite_common.unit_of_work import UnitOfWork

from kite_roster.households.domain.household import Household, HouseholdNotRegistered
from kite_roster.monitoring.adapters.policy import rule_of
from kite_roster.monitoring.application.cadre_access import cadre_in_reach, latest_per_capita_fen
from kite_roster.monitoring.domain.cadre import Cadre


@command
async def pair_households(
    uow: UnitOfWork, principal: Principal, pairs: Sequence[tuple[uuid.UUID, uuid.UUID]], today: date
) -> None:
    """Pair each (cadre, household), all or none: one broken rule refuses the whole batch."""
    async with uow:
        cadres: dict[uuid.UUID, Cadre] = {}
        seen: set[uuid.UUID] = set()
        for cadre_id, household_id in pairs:
            if household_id in seen:
                raise Conflict("同一户在本次结对中出现了两次", code="household-paired-twice")
            seen.add(household_id)
            cadre = cadres.get(cadre_id) or await cadre_in_reach(uow, principal, cadre_id)
            cadres[cadre_id] = cadre
            household = await uow.get(Household, household_id)
            if household.division_code is None or not principal.covers(household.division_code):
                raise HouseholdNotRegistered()
            current = await uow.conn.fetchval(
                "SELECT cadre_id FROM pairings WHERE household_id = $1 AND ended_on IS NULL", household_id
            )
            if current is not None and current != cadre_id:
                raise Conflict("该户已有结对帮扶人，请先解除原结对", code="household-already-paired")
            assert cadre.rank is not None
            rule = await rule_of(uow.conn, cadre.rank)
            per_capita = latest_per_capita_fen(household)
            cadre.pair(household_id, household.division_code, per_capita, rule, today, principal.subject)
        try:
            await uow.save(*cadres.values())
        except asyncpg.UniqueViolationError as exc:  # a concurrent request paired a household first
            raise Conflict("该户已有结对帮扶人，请先解除原结对", code="household-already-paired") from exc
