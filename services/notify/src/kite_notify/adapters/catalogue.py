"""What notify keeps of jobs' fairs and courses, to name them in the notices their events make."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from kite_notify.adapters.db import Conn
from kite_notify.domain.notice_values import format_date

FAIR_ORGANISED = "kite.jobs.fair-organised.v1"
COURSE_OPENED = "kite.jobs.course-opened.v1"
FAIR_REGISTERED = "kite.jobs.fair-registered.v1"


async def keep(conn: Conn, event_type: str, data: dict[str, Any]) -> None:
    if event_type == FAIR_ORGANISED:
        await conn.execute(
            """INSERT INTO known_fairs (fair_id, title, held_on, online, area_division_code)
               VALUES ($1, $2, $3, $4, $5) ON CONFLICT (fair_id) DO NOTHING""",
            uuid.UUID(str(data["fair_id"])),
            str(data["title"]),
            date.fromisoformat(str(data["held_on"])),
            bool(data.get("online")),
            str(data.get("area_division_code") or "") or None,
        )
    elif event_type == FAIR_REGISTERED and data.get("invited"):
        await conn.execute(
            "INSERT INTO fair_invitees (fair_id, member_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            uuid.UUID(str(data["fair_id"])),
            uuid.UUID(str(data["member_id"])),
        )
    elif event_type == COURSE_OPENED:
        await conn.execute(
            """INSERT INTO known_courses (course_id, title, trade, starts_on) VALUES ($1, $2, $3, $4)
               ON CONFLICT (course_id) DO NOTHING""",
            uuid.UUID(str(data["course_id"])),
            str(data["title"]),
            str(data["trade"]),
            date.fromisoformat(str(data["starts_on"])),
        )


async def fair(conn: Conn, fair_id: uuid.UUID) -> dict[str, str]:
    row = await conn.fetchrow("SELECT title, held_on, online FROM known_fairs WHERE fair_id = $1", fair_id)
    if row is None:
        return {}
    return {"title": row["title"], "held_on": format_date(row["held_on"]), "where": "线上" if row["online"] else "线下"}


async def course(conn: Conn, course_id: uuid.UUID) -> dict[str, str]:
    row = await conn.fetchrow("SELECT title, trade, starts_on FROM known_courses WHERE course_id = $1", course_id)
    if row is None:
        return {}
    return {"title": row["title"], "trade": row["trade"], "starts_on": format_date(row["starts_on"])}


async def fair_area(conn: Conn, fair_id: uuid.UUID) -> str | None:
    """The division a known fair is organised for (who may broadcast to its invitees)."""
    area: str | None = await conn.fetchval("SELECT area_division_code FROM known_fairs WHERE fair_id = $1", fair_id)
    return area
