"""Use case: a caseworker of the case's places records a matter their office handled on the member's
behalf (代办), for the 代办台账."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_casework.application.case_access import case_in_jurisdiction
from kite_casework.application.office_to_name import office_to_name
from kite_casework.domain.proxy_service import ProxyMatter


@command
async def record_proxy_service(
    uow: UnitOfWork,
    principal: Principal,
    case_id: uuid.UUID,
    service_id: uuid.UUID,
    matter: ProxyMatter,
    done_on: date,
    note: str,
    if_match: int | None,
    now: datetime,
    office_id: uuid.UUID | None = None,
) -> None:
    async with uow:
        case = await case_in_jurisdiction(uow, principal, case_id)
        case.expect_version(if_match)
        if office_id is not None:
            await office_to_name(uow.conn, principal, office_id)
        # The office is the caller's area: the proxy ledger counts per office that did the work.
        case.record_proxy_service(
            principal.subject, principal.jurisdiction, service_id, matter, done_on, note, now, office_id=office_id
        )
        await uow.save(case)
