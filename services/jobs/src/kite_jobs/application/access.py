"""Where every step on an existing employer or posting starts: the aggregate as its stream leaves it,
if it exists and its jurisdiction lies in the caller's. Outside it, a record answers exactly as one
that never existed."""

from __future__ import annotations

import uuid

from kite_common.auth import Principal
from kite_common.unit_of_work import UnitOfWork

from kite_jobs.domain.employer import Employer
from kite_jobs.domain.posting import Posting
from kite_jobs.domain.rules import EmployerNotFound, PostingNotFound


async def employer_in_jurisdiction(uow: UnitOfWork, principal: Principal, employer_id: uuid.UUID) -> Employer:
    employer = await uow.get(Employer, employer_id)
    if not employer.registered or not principal.covers(employer.area_division_code):
        raise EmployerNotFound()
    return employer


async def posting_in_jurisdiction(uow: UnitOfWork, principal: Principal, posting_id: uuid.UUID) -> Posting:
    posting = await uow.get(Posting, posting_id)
    if not posting.opened or not principal.covers(posting.area_division_code):
        raise PostingNotFound()
    return posting
