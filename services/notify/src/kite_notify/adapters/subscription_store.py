"""Reads of the webhook subscriptions read model."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import asyncpg

from kite_notify.adapters.db import Conn


async def matching(conn: Conn, kind: str, origin_division_code: str) -> list[uuid.UUID]:
    """Active subscriptions that want this kind, for a member inside their jurisdiction."""
    rows = await conn.fetch(
        """SELECT subscription_id FROM webhook_subscriptions
           WHERE removed_at IS NULL AND starts_with($2, jurisdiction)
             AND (kinds IS NULL OR $1 = ANY(kinds))
           ORDER BY subscription_id""",
        kind,
        origin_division_code,
    )
    return [r["subscription_id"] for r in rows]


async def matching_places(conn: Conn, kind: str, origins: Sequence[str]) -> dict[str, list[uuid.UUID]]:
    """`matching` for many members' places at once: place → its active subscriptions for this kind."""
    rows = await conn.fetch(
        """SELECT o.place, s.subscription_id FROM unnest($2::text[]) AS o(place)
           JOIN webhook_subscriptions s ON s.removed_at IS NULL AND starts_with(o.place, s.jurisdiction)
                AND (s.kinds IS NULL OR $1 = ANY(s.kinds))
           ORDER BY o.place, s.subscription_id""",
        kind,
        sorted(set(origins)),
    )
    out: dict[str, list[uuid.UUID]] = {place: [] for place in origins}
    for r in rows:
        out[r["place"]].append(r["subscription_id"])
    return out


async def active_within(conn: Conn, jurisdiction: str) -> list[asyncpg.Record]:
    """Subscriptions a caller with this jurisdiction may see: those inside it."""
    return await conn.fetch(
        """SELECT subscription_id, url, kinds, jurisdiction, created_by, created_at FROM webhook_subscriptions
           WHERE removed_at IS NULL AND starts_with(jurisdiction, $1) ORDER BY created_at, subscription_id""",
        jurisdiction,
    )


async def get(conn: Conn, subscription_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """SELECT subscription_id, url, kinds, jurisdiction, created_by, created_at, removed_at
           FROM webhook_subscriptions WHERE subscription_id = $1""",
        subscription_id,
    )
