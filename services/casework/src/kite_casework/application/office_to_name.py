"""The named office (服务站, 驻外服务站, 乡镇/村 office…) a case or a proxy service is credited to: one
casework knows from roster's organisations (`case_offices`), not dissolved, inside the caller's
jurisdiction."""

from __future__ import annotations

import uuid

from kite_common.auth import Principal
from kite_common.db.types import Connection
from kite_common.domain import RuleViolation

from kite_casework.adapters.case_offices import CaseOffice, office


async def office_to_name(conn: Connection, principal: Principal, office_id: uuid.UUID) -> CaseOffice:
    found = await office(conn, office_id)
    # An office outside the jurisdiction is answered as an unknown one: its existence is not told.
    if found is None or found.dissolved or not principal.covers(found.division_code):
        raise RuleViolation("未找到该受理单位（服务站或办事处）", code="unknown-office", field="office_id")
    return found
