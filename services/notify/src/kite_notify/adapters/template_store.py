"""Notice templates in PostgreSQL: every saved version kept, the newest one in use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from kite_notify.adapters.db import Conn
from kite_notify.domain.languages import DEFAULT
from kite_notify.domain.templates import TemplateText

_COLUMNS = "kind, channel, language, version, title, body, placeholders, saved_by, saved_at"


@dataclass(frozen=True)
class StoredTemplate:
    kind: str
    channel: str
    language: str
    version: int
    title: str
    body: str
    placeholders: list[str]
    saved_by: str
    saved_at: datetime

    @property
    def text(self) -> TemplateText:
        return TemplateText(self.title, self.body)


def _stored(row: asyncpg.Record) -> StoredTemplate:
    return StoredTemplate(
        row["kind"],
        row["channel"],
        row["language"],
        row["version"],
        row["title"],
        row["body"],
        list(row["placeholders"]),
        row["saved_by"],
        row["saved_at"],
    )


async def latest(conn: Conn, kind: str, channel: str, language: str) -> StoredTemplate | None:
    row = await conn.fetchrow(
        f"""SELECT {_COLUMNS} FROM notification_templates WHERE kind = $1 AND channel = $2 AND language = $3
            ORDER BY version DESC LIMIT 1""",
        kind,
        channel,
        language,
    )
    return _stored(row) if row is not None else None


async def for_notice(conn: Conn, kind: str, channel: str, language: str) -> StoredTemplate | None:
    """The template a notice is written with: the member's language, else Chinese; the channel's own,
    else the in-app one."""
    for ch in dict.fromkeys((channel, "in_app")):
        for lang in dict.fromkeys((language, DEFAULT)):
            found = await latest(conn, kind, ch, lang)
            if found is not None:
                return found
    return None


async def versions(conn: Conn, kind: str, channel: str, language: str) -> list[StoredTemplate]:
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM notification_templates WHERE kind = $1 AND channel = $2 AND language = $3
            ORDER BY version DESC""",
        kind,
        channel,
        language,
    )
    return [_stored(r) for r in rows]


async def all_latest(conn: Conn) -> list[StoredTemplate]:
    """The version in use of every template (a few dozen rows: kinds × channels × languages)."""
    rows = await conn.fetch(
        f"""SELECT DISTINCT ON (kind, channel, language) {_COLUMNS} FROM notification_templates
            ORDER BY kind, channel, language, version DESC"""
    )
    return [_stored(r) for r in rows]


async def insert(conn: Conn, t: StoredTemplate) -> None:
    await conn.execute(
        f"""INSERT INTO notification_templates ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)""",
        t.kind,
        t.channel,
        t.language,
        t.version,
        t.title,
        t.body,
        t.placeholders,
        t.saved_by,
        t.saved_at,
    )
