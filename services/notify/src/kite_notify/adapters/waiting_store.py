"""Notices held until their member (or case) is known: kept with the source event that makes them."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kite_notify.adapters.db import Conn
from kite_notify.domain.events import WaitingFor

MAX_RELEASED = 500  # one member's or case's held notices, rendered in the transaction that knows them


@dataclass(frozen=True)
class Waiting:
    notification_id: uuid.UUID
    source: str
    source_event_id: uuid.UUID
    source_type: str
    data: dict[str, Any]
    member_id: uuid.UUID | None = None  # whom it waits for (as `take_for_members` reads it)


async def hold(
    conn: Conn,
    notification_id: uuid.UUID,
    waiting_for: WaitingFor,
    member_id: uuid.UUID | None,
    case_id: uuid.UUID | None,
    source: str,
    source_event_id: uuid.UUID,
    source_type: str,
    data: dict[str, Any],
) -> None:
    """Held (again, for what it waits for now: a case first, then its member)."""
    await conn.execute(
        """INSERT INTO waiting_notifications
               (notification_id, waiting_for, member_id, case_id, source, source_event_id, source_type, data)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)
           ON CONFLICT (notification_id) DO UPDATE
               SET waiting_for = EXCLUDED.waiting_for, member_id = EXCLUDED.member_id, case_id = EXCLUDED.case_id""",
        notification_id,
        waiting_for,
        member_id,
        case_id,
        source,
        source_event_id,
        source_type,
        json.dumps(data, ensure_ascii=False),
    )


async def take(conn: Conn, *, member_id: uuid.UUID | None = None, case_id: uuid.UUID | None = None) -> list[Waiting]:
    """The notices waiting for this member (or case), oldest first, taken off the list."""
    column, key = ("member_id", member_id) if member_id is not None else ("case_id", case_id)
    waiting_for = "member" if member_id is not None else "case"
    rows = await conn.fetch(
        f"""DELETE FROM waiting_notifications WHERE notification_id IN (
                SELECT notification_id FROM waiting_notifications
                WHERE {column} = $1 AND waiting_for = $2 ORDER BY held_at LIMIT $3)
            RETURNING notification_id, source, source_event_id, source_type, data, held_at""",
        key,
        waiting_for,
        MAX_RELEASED,
    )
    rows = sorted(rows, key=lambda r: r["held_at"])
    return [
        Waiting(r["notification_id"], r["source"], r["source_event_id"], r["source_type"], _json(r["data"]))
        for r in rows
    ]


async def take_for_members(conn: Conn, member_ids: Sequence[uuid.UUID]) -> list[Waiting]:
    """`take` for many members in one statement: their notices, each member's oldest first, in the
    order of `member_ids`; at most MAX_RELEASED in all (take again while that many came)."""
    rows = await conn.fetch(
        """DELETE FROM waiting_notifications WHERE notification_id IN (
               SELECT notification_id FROM waiting_notifications
               WHERE member_id = ANY($1::uuid[]) AND waiting_for = 'member' ORDER BY held_at LIMIT $2)
           RETURNING notification_id, member_id, source, source_event_id, source_type, data, held_at""",
        list(member_ids),
        MAX_RELEASED,
    )
    order = {m: i for i, m in enumerate(member_ids)}
    rows = sorted(rows, key=lambda r: (order[r["member_id"]], r["held_at"]))
    return [
        Waiting(
            r["notification_id"], r["source"], r["source_event_id"], r["source_type"], _json(r["data"]), r["member_id"]
        )
        for r in rows
    ]


def _json(value: Any) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(value) if isinstance(value, str) else value
    return out
