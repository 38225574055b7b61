"""Where every step on an existing case starts: the case as its stream leaves it, if it was opened
and lies in the caller's jurisdiction. Outside it, a case answers exactly as one never opened."""

from __future__ import annotations

import uuid

from kite_common.auth import Principal
from kite_common.unit_of_work import UnitOfWork

from kite_casework.domain.case import Case, CaseNotOpened


async def case_in_jurisdiction(uow: UnitOfWork, principal: Principal, case_id: uuid.UUID) -> Case:
    case = await uow.get(Case, case_id)
    if case.origin_division_code is None or not principal.covers(case.origin_division_code):
        raise CaseNotOpened()
    return case
