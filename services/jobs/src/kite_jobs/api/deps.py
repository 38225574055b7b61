"""Who may read and write jobs data, and the process's one protector for contacts' phones."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import Depends
from kite_common.auth import Principal, Role, require_roles
from kite_common.http.app import RuntimeDep
from kite_common.privacy import FieldProtector

from kite_jobs.adapters.employer_contacts import ContactPhones

Reader = Annotated[Principal, Depends(require_roles(Role.EMPLOYMENT, Role.HR_STATION, Role.VIEWER))]
Writer = Annotated[Principal, Depends(require_roles(Role.EMPLOYMENT))]
HrStation = Annotated[Principal, Depends(require_roles(Role.HR_STATION))]
Runtime = RuntimeDep


@lru_cache
def _protector() -> FieldProtector:
    return FieldProtector.from_settings()


def contact_phones() -> ContactPhones:
    return ContactPhones(_protector())


Phones = Annotated[ContactPhones, Depends(contact_phones)]
