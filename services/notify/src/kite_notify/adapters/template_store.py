"""Notice templates in PostgreSQL: every saved version kept, the newest one in use."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from kite_notify.adapters.db import Conn
from kite_notify.domain.languages import DEFAULT
from kite_notify.domain.templates import TemplateText

_COLUMNS = "kind, channel, language, version, title, body, placeholders, saved_by, saved_at, division_code"


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
    division_code: str = ""  # '' the province default; else the place whose override it is

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
        row["division_code"],
    )


async def latest(conn: Conn, kind: str, channel: str, language: str, division_code: str = "") -> StoredTemplate | None:
    row = await conn.fetchrow(
        f"""SELECT {_COLUMNS} FROM notification_templates
            WHERE kind = $1 AND channel = $2 AND language = $3 AND division_code = $4
            ORDER BY version DESC LIMIT 1""",
        kind,
        channel,
        language,
        division_code,
    )
    return _stored(row) if row is not None else None


async def for_notice(
    conn: Conn, kind: str, channel: str, language: str, place: str | None = None
) -> StoredTemplate | None:
    """The template a notice is written with: the member's language, else Chinese; the channel's own,
    else the in-app one; within those, the override of the most specific place above `place` (the
    member's home, or the sender's jurisdiction), else the province default (`TemplateBook.choose`)."""
    book = await load_book(conn, [kind], [channel, "in_app"], [language, DEFAULT], [place])
    return book.choose(kind, channel, language, place)


@dataclass(frozen=True)
class TemplateBook:
    """The version in use of the templates some notices may be written with (their kinds, channels,
    languages and the overrides of their places), read at once: each notice then picks its own."""

    templates: dict[tuple[str, str, str, str], StoredTemplate]  # (kind, channel, language, division_code)

    def choose(self, kind: str, channel: str, language: str, place: str | None = None) -> StoredTemplate | None:
        """See `for_notice`: the channel's own before the in-app one, the language before Chinese, the
        most specific place's override before the province default."""
        scopes = scopes_of(place)  # most specific first
        for ch in dict.fromkeys((channel, "in_app")):
            for lang in dict.fromkeys((language, DEFAULT)):
                for scope in scopes:
                    found = self.templates.get((kind, ch, lang, scope))
                    if found is not None:
                        return found
        return None


async def load_book(
    conn: Conn, kinds: Sequence[str], channels: Sequence[str], languages: Sequence[str], places: Iterable[str | None]
) -> TemplateBook:
    """The templates in use for these kinds, channels and languages, the province's and the overrides
    of every place above `places`: one statement."""
    scopes = sorted({scope for place in places for scope in scopes_of(place)})
    rows = await conn.fetch(
        f"""SELECT DISTINCT ON (kind, channel, language, division_code) {_COLUMNS} FROM notification_templates
            WHERE kind = ANY($1::text[]) AND channel = ANY($2::text[]) AND language = ANY($3::text[])
              AND division_code = ANY($4::text[])
            ORDER BY kind, channel, language, division_code, version DESC""",
        list(dict.fromkeys(kinds)),
        list(dict.fromkeys(channels)),
        list(dict.fromkeys(languages)),
        scopes,
    )
    return TemplateBook({(r["kind"], r["channel"], r["language"], r["division_code"]): _stored(r) for r in rows})


def scopes_of(place: str | None) -> list[str]:
    """The overrides that may apply to a place: its own code and every shorter level's, and ''."""
    place = place or ""
    return [place[:n] for n in SCOPE_LENGTHS if len(place) >= n] + [""]


SCOPE_LENGTHS = (12, 9, 6, 4)  # village, township, county, city (the province's is the default, '')


async def versions(conn: Conn, kind: str, channel: str, language: str, division_code: str = "") -> list[StoredTemplate]:
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM notification_templates
            WHERE kind = $1 AND channel = $2 AND language = $3 AND division_code = $4
            ORDER BY version DESC""",
        kind,
        channel,
        language,
        division_code,
    )
    return [_stored(r) for r in rows]


async def all_latest(conn: Conn, jurisdiction: str = "") -> list[StoredTemplate]:
    """The version in use of every default template, and of the overrides inside `jurisdiction` (a few
    dozen rows per place: kinds × channels × languages)."""
    rows = await conn.fetch(
        f"""SELECT DISTINCT ON (kind, channel, language, division_code) {_COLUMNS} FROM notification_templates
            WHERE division_code = '' OR division_code LIKE $1
            ORDER BY kind, channel, language, division_code, version DESC""",
        jurisdiction + "%",
    )
    return [_stored(r) for r in rows]


async def insert(conn: Conn, t: StoredTemplate) -> None:
    await conn.execute(
        f"""INSERT INTO notification_templates ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)""",
        t.kind,
        t.channel,
        t.language,
        t.version,
        t.title,
        t.body,
        t.placeholders,
        t.saved_by,
        t.saved_at,
        t.division_code,
    )
