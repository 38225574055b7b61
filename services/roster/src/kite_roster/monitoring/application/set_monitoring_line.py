"""Use case: set a province's monitoring line for a year."""

from __future__ import annotations

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.domain import Forbidden
from kite_common.unit_of_work import UnitOfWork

from kite_roster.monitoring.domain.monitoring_line import MonitoringLineStream, line_id
from kite_roster.monitoring.domain.rules import MonitoringLine


@command
async def set_monitoring_line(uow: UnitOfWork, principal: Principal, line: MonitoringLine) -> bool:
    if not principal.covers(line.province_code):
        raise Forbidden("只能设定本人管辖省份的监测线", code="outside-jurisdiction")
    async with uow:
        stream = await uow.get(MonitoringLineStream, line_id(line.year, line.province_code))
        changed = stream.set(line, principal.subject)
        await uow.save(stream)
    return changed
