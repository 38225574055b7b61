"""Use cases of cadres and pairing (结对帮扶): register a cadre, pair households (checked against the
pairing rules), unpair; a monitoring line set by an administrator."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

import asyncpg
from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.domain import Conflict, Forbidden
from kite_common.unit_of_work import UnitOfWork

from kite_roster.households.domain.household import Household, HouseholdNotRegistered
from kite_roster.monitoring.adapters.policy import rule_of
from kite_roster.monitoring.domain.cadre import Cadre
from kite_roster.monitoring.domain.monitoring_events import CadreRank
from kite_roster.monitoring.domain.monitoring_line import MonitoringLineStream, line_id
from kite_roster.monitoring.domain.rules import CadreNotFound, MonitoringLine


@command
async def register_cadre(
    uow: UnitOfWork, principal: Principal, name: str, rank: CadreRank, organisation: str, organisation_code: str
) -> uuid.UUID:
    if not principal.covers(organisation_code):
        raise Forbidden("不能在管辖范围以外登记帮扶人", code="outside-jurisdiction")
    cadre_id = uuid.uuid4()
    async with uow:
        cadre = await uow.get(Cadre, cadre_id)
        cadre.register(name, rank, organisation, organisation_code, principal.subject)
        await uow.save(cadre)
    return cadre_id


async def _cadre(uow: UnitOfWork, principal: Principal, cadre_id: uuid.UUID) -> Cadre:
    cadre = await uow.get(Cadre, cadre_id)
    if cadre.organisation_code is None or not (
        principal.covers(cadre.organisation_code) or principal.jurisdiction.startswith(cadre.organisation_code)
    ):  # a cadre of the caller's area, or of a wider one (a county bureau) working in it
        raise CadreNotFound()
    return cadre


def _latest_per_capita_fen(household: Household) -> int | None:
    if not household.incomes:
        return None
    return int(household.incomes[max(household.incomes)].per_capita_income * 100)


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
            cadre = cadres.get(cadre_id) or await _cadre(uow, principal, cadre_id)
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
            per_capita = _latest_per_capita_fen(household)
            cadre.pair(household_id, household.division_code, per_capita, rule, today, principal.subject)
        try:
            await uow.save(*cadres.values())
        except asyncpg.UniqueViolationError as exc:  # a concurrent request paired a household first
            raise Conflict("该户已有结对帮扶人，请先解除原结对", code="household-already-paired") from exc


@command
async def unpair_household(
    uow: UnitOfWork, principal: Principal, cadre_id: uuid.UUID, household_id: uuid.UUID, reason: str, today: date
) -> None:
    async with uow:
        cadre = await _cadre(uow, principal, cadre_id)
        division_code = cadre.households.get(household_id)
        if division_code is not None and not principal.covers(division_code):
            raise HouseholdNotRegistered()
        cadre.unpair(household_id, reason, today, principal.subject)
        await uow.save(cadre)


@command
async def set_monitoring_line(uow: UnitOfWork, principal: Principal, line: MonitoringLine) -> bool:
    if not principal.covers(line.province_code):
        raise Forbidden("只能设定本人管辖省份的监测线", code="outside-jurisdiction")
    async with uow:
        stream = await uow.get(MonitoringLineStream, line_id(line.year, line.province_code))
        changed = stream.set(line, principal.subject)
        await uow.save(stream)
    return changed
