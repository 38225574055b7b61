"""notify's own copy of who members are (name, origin, whether still on the roster), kept from roster's
member events by the platform's member mirror: a registration brings the member, member-updated a
new name, member-deregistered the time they left (after which they get no new notification). The
mirror's version guard means an older event never overwrites a newer one."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from kite_common.events import EventEnvelope
from kite_common.mirror import MemberMirror, MirrorTable
from kite_common.mirror.roster_members import MEMBER_REGISTERED, MEMBER_UPDATED

from kite_notify.adapters.db import Conn

MEMBER_DIRECTORY = MemberMirror(
    MirrorTable(
        table="member_directory",
        key="member_id",
        version_column="roster_version",
        columns=frozenset({"name", "origin_division_code", "deregistered_at", "is_party_member"}),
    )
)


@dataclass(frozen=True)
class DirectoryEntry:
    member_id: uuid.UUID
    name: str
    origin_division_code: str
    deregistered: bool = False
    languages: tuple[str, ...] = ()


async def find_member(conn: Conn, member_id: uuid.UUID) -> DirectoryEntry | None:
    row = await conn.fetchrow(
        """SELECT member_id, name, origin_division_code, deregistered_at IS NOT NULL AS deregistered, languages
           FROM member_directory WHERE member_id = $1""",
        member_id,
    )
    if row is None:
        return None
    return DirectoryEntry(
        row["member_id"], row["name"], row["origin_division_code"], row["deregistered"], tuple(row["languages"])
    )


async def find_members(conn: Conn, member_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, DirectoryEntry]:
    """`find_member` for many members in one statement (those the directory does not know are absent)."""
    rows = await conn.fetch(
        """SELECT member_id, name, origin_division_code, deregistered_at IS NOT NULL AS deregistered, languages
           FROM member_directory WHERE member_id = ANY($1::uuid[])""",
        list(member_ids),
    )
    return {
        r["member_id"]: DirectoryEntry(
            r["member_id"], r["name"], r["origin_division_code"], r["deregistered"], tuple(r["languages"])
        )
        for r in rows
    }


def _lists_of(envelope: EventEnvelope) -> tuple[list[str] | None, list[str] | None]:
    """The skills and the languages an event states (None: it says nothing of them)."""
    data = envelope.data
    changed = data.get("changed") or []
    registration = envelope.type == MEMBER_REGISTERED
    updated = envelope.type == MEMBER_UPDATED
    skills = [str(v) for v in data.get("skills") or []] if registration or (updated and "skills" in changed) else None
    languages = (
        [str(v) for v in data.get("languages") or []] if registration or (updated and "languages" in changed) else None
    )
    return skills, languages


async def keep_languages(conn: Conn, envelope: EventEnvelope) -> None:
    """The languages and skills (trades) a registration or an edit of them states (the platform's
    mirror keeps neither). Written only when the row is at this event's version, i.e. the mirror
    applied it."""
    skills, languages = _lists_of(envelope)
    if skills is None and languages is None:
        return
    member_id = uuid.UUID(str(envelope.data["member_id"]))
    if skills is not None:
        await conn.execute(
            "UPDATE member_directory SET skills = $3 WHERE member_id = $1 AND roster_version = $2",
            member_id,
            envelope.stream_version,
            skills,
        )
    if languages is not None:
        await conn.execute(
            "UPDATE member_directory SET languages = $3 WHERE member_id = $1 AND roster_version = $2",
            member_id,
            envelope.stream_version,
            languages,
        )


async def keep_languages_many(conn: Conn, envelopes: Sequence[EventEnvelope]) -> None:
    """`keep_languages` for events of different members (each at most once), in one statement."""
    rows = []
    for envelope in envelopes:
        skills, languages = _lists_of(envelope)
        if skills is not None or languages is not None:
            member_id = str(envelope.data.get("member_id"))
            rows.append({"member_id": member_id, "version": envelope.stream_version, "s": skills, "l": languages})
    if not rows:
        return
    await conn.execute(
        """UPDATE member_directory d SET skills = coalesce(t.s, d.skills), languages = coalesce(t.l, d.languages)
           FROM jsonb_to_recordset(($1::text)::jsonb) AS t(member_id uuid, version integer, s text[], l text[])
           WHERE d.member_id = t.member_id AND d.roster_version = t.version""",
        json.dumps(rows, ensure_ascii=False),
    )
