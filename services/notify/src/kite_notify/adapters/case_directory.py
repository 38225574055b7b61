"""notify's copy of whose each case is, from case-opened: later steps of a case name only the case."""

from __future__ import annotations

import uuid

from kite_notify.adapters.db import Conn
from kite_notify.domain.notice_values import CaseFacts
from kite_notify.domain.source_events import CaseOpened


async def record(conn: Conn, e: CaseOpened) -> None:
    await conn.execute(
        """INSERT INTO case_directory (case_id, member_id, origin_division_code, category, urgency, deadline)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (case_id) DO NOTHING""",
        e.case_id,
        e.member_id,
        e.origin_division_code,
        e.category,
        e.urgency,
        e.deadline,
    )


async def find(conn: Conn, case_id: uuid.UUID) -> CaseFacts | None:
    row = await conn.fetchrow(
        "SELECT member_id, origin_division_code, category, urgency, deadline FROM case_directory WHERE case_id = $1",
        case_id,
    )
    if row is None:
        return None
    return CaseFacts(row["member_id"], row["origin_division_code"], row["category"], row["urgency"], row["deadline"])
