"""notify's own copy of who members are (name, origin, whether still on the roster), kept from roster's
member events by the platform's member mirror: a registration brings the member, member-updated a
new name, member-deregistered the time they left (after which they get no new notification). The
mirror's version guard means an older event never overwrites a newer one."""

from __future__ import annotations

import uuid
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


async def keep_languages(conn: Conn, envelope: EventEnvelope) -> None:
    """The languages and skills (trades) a registration or an edit of them states (the platform's
    mirror keeps neither). Written only when the row is at this event's version, i.e. the mirror
    applied it."""
    data = envelope.data
    changed = data.get("changed") or []
    if envelope.type == MEMBER_REGISTERED or (envelope.type == MEMBER_UPDATED and "skills" in changed):
        await conn.execute(
            "UPDATE member_directory SET skills = $3 WHERE member_id = $1 AND roster_version = $2",
            uuid.UUID(str(data["member_id"])),
            envelope.stream_version,
            [str(v) for v in data.get("skills") or []],
        )
    if envelope.type == MEMBER_REGISTERED or (envelope.type == MEMBER_UPDATED and "languages" in changed):
        languages = [str(v) for v in data.get("languages") or []]
        await conn.execute(
            "UPDATE member_directory SET languages = $3 WHERE member_id = $1 AND roster_version = $2",
            uuid.UUID(str(data["member_id"])),
            envelope.stream_version,
            languages,
        )
