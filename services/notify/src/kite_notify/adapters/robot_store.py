"""Group robots in PostgreSQL: the credentials encrypted by the caller, the masked URL for display."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from kite_notify.adapters.db import Conn

_SHOWN = "robot_id, provider, name, organisation_id, division_code, masked_url, secret_enc IS NOT NULL AS signed, "
_SHOWN += "added_by, added_at"


async def insert(
    conn: Conn,
    robot_id: uuid.UUID,
    provider: str,
    name: str,
    organisation_id: uuid.UUID | None,
    division_code: str,
    url_enc: str,
    secret_enc: str | None,
    masked_url: str,
    added_by: str,
    added_at: datetime,
) -> None:
    await conn.execute(
        """INSERT INTO group_robots (robot_id, provider, name, organisation_id, division_code, url_enc, secret_enc,
                                     masked_url, added_by, added_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)""",
        robot_id,
        provider,
        name.strip(),
        organisation_id,
        division_code,
        url_enc,
        secret_enc,
        masked_url,
        added_by,
        added_at,
    )


async def shown(conn: Conn, robot_id: uuid.UUID, jurisdiction_like: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_SHOWN} FROM group_robots WHERE robot_id = $1 AND removed_at IS NULL AND division_code LIKE $2",
        robot_id,
        jurisdiction_like,
    )


async def within(conn: Conn, jurisdiction_like: str, limit: int = 500) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""SELECT {_SHOWN} FROM group_robots WHERE removed_at IS NULL AND division_code LIKE $1
            ORDER BY division_code, name LIMIT $2""",
        jurisdiction_like,
        limit,
    )


async def credentials(conn: Conn, robot_id: uuid.UUID, jurisdiction_like: str) -> asyncpg.Record | None:
    """What a send needs (encrypted), for an active robot inside the jurisdiction."""
    return await conn.fetchrow(
        """SELECT robot_id, provider, name, url_enc, secret_enc FROM group_robots
           WHERE robot_id = $1 AND removed_at IS NULL AND division_code LIKE $2""",
        robot_id,
        jurisdiction_like,
    )


async def mark_removed(conn: Conn, robot_id: uuid.UUID, at: datetime) -> None:
    await conn.execute("UPDATE group_robots SET removed_at = $2 WHERE robot_id = $1", robot_id, at)


async def of_member_organisations(conn: Conn, member_id: uuid.UUID) -> list[asyncpg.Record]:
    """The active robots of the organisations the member belongs to, with each one's secretary."""
    return await conn.fetch(
        """SELECT r.robot_id, r.provider, r.url_enc, r.secret_enc, r.division_code, o.secretary
           FROM org_memberships m
           JOIN organisations o ON o.organisation_id = m.organisation_id AND o.dissolved_at IS NULL
           JOIN group_robots r ON r.organisation_id = o.organisation_id AND r.removed_at IS NULL
           WHERE m.member_id = $1 ORDER BY r.added_at LIMIT 20""",
        member_id,
    )


_TREE = """WITH RECURSIVE tree AS (
               SELECT organisation_id FROM organisations WHERE organisation_id = $1 AND dissolved_at IS NULL
               UNION
               SELECT o.organisation_id FROM organisations o JOIN tree t ON o.parent_id = t.organisation_id
                   WHERE o.dissolved_at IS NULL)"""


async def of_organisation_tree(conn: Conn, organisation_id: uuid.UUID) -> list[asyncpg.Record]:
    """The active robots of an organisation and of the organisations under it (one per branch or
    station group: as many as the sub-tree has groups, not members)."""
    return await conn.fetch(
        f"""{_TREE}
            SELECT r.robot_id, r.provider, r.url_enc, r.secret_enc, r.division_code
            FROM tree JOIN group_robots r ON r.organisation_id = tree.organisation_id AND r.removed_at IS NULL
            ORDER BY r.robot_id""",
        organisation_id,
    )


async def any_in_organisation_tree(conn: Conn, organisation_id: uuid.UUID) -> bool:
    found: bool = await conn.fetchval(
        f"""{_TREE}
            SELECT EXISTS (SELECT 1 FROM tree JOIN group_robots r
                           ON r.organisation_id = tree.organisation_id AND r.removed_at IS NULL)""",
        organisation_id,
    )
    return found
