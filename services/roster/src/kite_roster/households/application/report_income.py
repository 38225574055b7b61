"""Use case: report a household's income for a year (收入台账); a later report for the year corrects it."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from kite_common.auth import Principal
from kite_common.clock import utcnow
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_roster.households.application.household_for_write import household_for_write

CHINA = timezone(timedelta(hours=8))  # no daylight saving: a fixed offset is exact


@command
async def report_income(
    uow: UnitOfWork,
    principal: Principal,
    household_id: uuid.UUID,
    year: int,
    total_income: Decimal,
    household_size: int,
    if_match: int | None = None,
    now: datetime | None = None,
) -> bool:
    """Whether a report was stored: one equal to the year's current report changes nothing."""
    current_year = (now or utcnow()).astimezone(CHINA).year
    async with uow:
        household = await household_for_write(uow, principal, household_id, if_match)
        reported = household.report_income(year, total_income, household_size, principal.subject, current_year)
        await uow.save(household)
    return bool(reported)
