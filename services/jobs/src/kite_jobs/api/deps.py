"""Who may read and write jobs data."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from kite_common.auth import Principal, Role, require_roles
from kite_common.http.app import RuntimeDep

Reader = Annotated[Principal, Depends(require_roles(Role.EMPLOYMENT, Role.VIEWER))]
Writer = Annotated[Principal, Depends(require_roles(Role.EMPLOYMENT))]
Runtime = RuntimeDep
