"""notify's copy of roster's party organisations and memberships, and of which members live in
households under monitoring (only what broadcasts and branch notices need)."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from kite_notify.adapters.db import Conn

_ORG = "kite.roster.organisation-"
_MEMBERSHIP = "kite.roster.branch-membership-"
_HOUSEHOLD = "kite.roster.household-"


def _secretary(data: dict[str, Any]) -> str | None:
    """The contact whose role names a secretary (书记), as roster lists an organisation's contacts."""
    for contact in data.get("contacts") or []:
        if isinstance(contact, dict) and "书记" in str(contact.get("role", "")):
            return str(contact.get("name") or "") or None
    return None


def _id(data: dict[str, Any], key: str) -> uuid.UUID | None:
    value = data.get(key)
    return uuid.UUID(str(value)) if value else None


async def apply(conn: Conn, event_type: str, data: dict[str, Any]) -> None:
    """Keep what a roster organisation or membership event says; other events change nothing."""
    if event_type == f"{_ORG}registered.v1":
        await conn.execute(
            """INSERT INTO organisations (organisation_id, parent_id, division_code, secretary) VALUES ($1, $2, $3, $4)
               ON CONFLICT (organisation_id) DO UPDATE
               SET parent_id = COALESCE(organisations.parent_id, EXCLUDED.parent_id),
                   secretary = COALESCE(organisations.secretary, EXCLUDED.secretary)""",
            _id(data, "organisation_id"),
            _id(data, "parent_id"),
            str(data["division_code"]),
            _secretary(data),
        )
    elif event_type == f"{_ORG}updated.v1":
        await conn.execute(
            "UPDATE organisations SET secretary = $2 WHERE organisation_id = $1",
            _id(data, "organisation_id"),
            _secretary(data),
        )
    elif event_type == f"{_ORG}moved.v1":
        await conn.execute(
            "UPDATE organisations SET parent_id = $2 WHERE organisation_id = $1",
            _id(data, "organisation_id"),
            _id(data, "to_parent_id"),
        )
    elif event_type == f"{_ORG}dissolved.v1":
        await conn.execute(
            "UPDATE organisations SET dissolved_at = now() WHERE organisation_id = $1", _id(data, "organisation_id")
        )
    elif event_type == f"{_HOUSEHOLD}registered.v1":
        await _monitored(conn, _id(data, "household_id"), bool(data.get("monitored")))
    elif event_type == f"{_HOUSEHOLD}risk-flagged.v1":
        await _monitored(conn, _id(data, "household_id"), True)
    elif event_type == f"{_HOUSEHOLD}risk-cleared.v1":
        await _monitored(conn, _id(data, "household_id"), False)
    elif event_type == f"{_HOUSEHOLD}member-added.v1":
        await conn.execute(
            """INSERT INTO household_members (member_id, household_id) VALUES ($1, $2)
               ON CONFLICT (member_id) DO UPDATE SET household_id = EXCLUDED.household_id""",
            _id(data, "member_id"),
            _id(data, "household_id"),
        )
    elif event_type == f"{_HOUSEHOLD}member-removed.v1":
        await conn.execute(
            "DELETE FROM household_members WHERE member_id = $1 AND household_id = $2",
            _id(data, "member_id"),
            _id(data, "household_id"),
        )
    elif event_type == f"{_MEMBERSHIP}joined.v1":
        await _join(conn, _id(data, "organisation_id"), _id(data, "member_id"))
    elif event_type == f"{_MEMBERSHIP}left.v1":
        await _leave(conn, _id(data, "organisation_id"), _id(data, "member_id"))
    elif event_type == f"{_MEMBERSHIP}transferred.v1":
        await _leave(conn, _id(data, "from_organisation_id"), _id(data, "member_id"))
        await _join(conn, _id(data, "to_organisation_id"), _id(data, "member_id"))


async def _monitored(conn: Conn, household_id: uuid.UUID | None, monitored: bool) -> None:
    await conn.execute(
        """INSERT INTO monitored_households (household_id, monitored) VALUES ($1, $2)
           ON CONFLICT (household_id) DO UPDATE SET monitored = EXCLUDED.monitored""",
        household_id,
        monitored,
    )


async def _join(conn: Conn, organisation_id: uuid.UUID | None, member_id: uuid.UUID | None) -> None:
    await conn.execute(
        "INSERT INTO org_memberships (organisation_id, member_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        organisation_id,
        member_id,
    )


async def _leave(conn: Conn, organisation_id: uuid.UUID | None, member_id: uuid.UUID | None) -> None:
    await conn.execute(
        "DELETE FROM org_memberships WHERE organisation_id = $1 AND member_id = $2", organisation_id, member_id
    )


async def ensure(conn: Conn, organisation_id: uuid.UUID, division_code: str) -> None:
    """An organisation another event names before its registration arrived: known by its place until
    the registration fills in the rest (its parent and secretary)."""
    await conn.execute(
        """INSERT INTO organisations (organisation_id, division_code) VALUES ($1, $2)
           ON CONFLICT (organisation_id) DO NOTHING""",
        organisation_id,
        division_code,
    )


async def find(conn: Conn, organisation_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT organisation_id, division_code, dissolved_at FROM organisations WHERE organisation_id = $1",
        organisation_id,
    )
