"""Where every step on an existing case starts: the case as its stream leaves it, if it was opened
and lies in the caller's jurisdiction (its home place or its work place). Outside it, a case answers exactly as
one never opened."""

from __future__ import annotations

import uuid

from kite_common.auth import Principal, Role
from kite_common.unit_of_work import UnitOfWork

from kite_casework.domain.case import Case, CaseNotOpened


async def case_in_jurisdiction(uow: UnitOfWork, principal: Principal, case_id: uuid.UUID) -> Case:
    case = await uow.get(Case, case_id)
    if case.origin_division_code is None or not case.covered_by(principal.jurisdiction):
        raise CaseNotOpened()
    return case


def acting_as_member(principal: Principal) -> bool:
    """A member acting for themself (subject = their member id): they open and read only their own
    cases. Staff roles beside `member` make the caller staff."""
    return Role.MEMBER in principal.roles and not principal.has_any(Role.CASEWORKER, Role.VIEWER)


def own_member_id(principal: Principal) -> uuid.UUID | None:
    try:
        return uuid.UUID(principal.subject)
    except ValueError:
        return None
