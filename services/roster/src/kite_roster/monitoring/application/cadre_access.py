"""The cadre a caller may act on, and a household's latest per-capita income in fen."""

from __future__ import annotations

import uuid

from kite_common.auth import Principal
from kite_common.unit_of_work import UnitOfWork

from kite_roster.households.domain.household import Household
from kite_roster.monitoring.domain.cadre import Cadre
from kite_roster.monitoring.domain.rules import CadreNotFound


async def cadre_in_reach(uow: UnitOfWork, principal: Principal, cadre_id: uuid.UUID) -> Cadre:
    cadre = await uow.get(Cadre, cadre_id)
    if cadre.organisation_code is None or not (
        principal.covers(cadre.organisation_code) or principal.jurisdiction.startswith(cadre.organisation_code)
    ):  # a cadre of the caller's area, or of a wider one (a county bureau) working in it
        raise CadreNotFound()
    return cadre


def latest_per_capita_fen(household: Household) -> int | None:
    if not household.incomes:
        return None
    return int(household.incomes[max(household.incomes)].per_capita_income * 100)
