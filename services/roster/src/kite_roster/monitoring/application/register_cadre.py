"""Use case: register a cadre (帮扶人): leading, ordinary, social force or county task force."""

from __future__ import annotations

import uuid

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.domain import Forbidden
from kite_common.unit_of_work import UnitOfWork

from kite_roster.monitoring.domain.cadre import Cadre
from kite_roster.monitoring.domain.monitoring_events import CadreRank


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
