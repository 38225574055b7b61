"""Keeps the `members` read model and `member_movements` from roster events.

`members.search_terms` follows the name and the place (domain search_terms). Every member event sets
`members.version` to its stream version, so a row always says which version of the member it shows
(the contact check relies on that). Other projections may update `members.is_party_member` (party)
and `members.household_id` (households) only; they must come after this one in the service's
projections so the row exists when they do.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from kite_common.bulk import copy_array, copy_escape, copy_lines
from kite_common.db.statements import Write
from kite_common.db.types import Connection
from kite_common.events import EventEnvelope, EventPayload
from kite_common.projection import Applied

from kite_roster.members.domain.member import search_terms
from kite_roster.members.domain.member_events import (
    MemberContacted,
    MemberContactLost,
    MemberContactRestored,
    MemberDeregistered,
    MemberRegistered,
    MemberRelocated,
    MemberUpdated,
)

log = logging.getLogger(__name__)

MEMBER_EVENTS = (
    MemberRegistered,
    MemberUpdated,
    MemberRelocated,
    MemberDeregistered,
    MemberContacted,
    MemberContactLost,
    MemberContactRestored,
)

_INSERT_COLUMNS = (
    "member_id",
    "name",
    "search_terms",
    "gender",
    "birth_year",
    "origin_division_code",
    "current_city",
    "employer",
    "is_party_member",
    "skills",
    "registered_at",
    "registered_by",
    "version",
    "industry",
    "languages",
    "disability",
    "union_member",
)
_INSERT = (
    f"INSERT INTO members ({', '.join(_INSERT_COLUMNS)}) "
    f"VALUES ({', '.join(f'${i}' for i in range(1, len(_INSERT_COLUMNS) + 1))})"
)
# member-updated field → members column; the phone lives in member_pii.
_EDITED_COLUMNS = ("name", "skills", "languages", "disability", "union_member", "industry")


def _row(envelope: EventEnvelope, p: MemberRegistered) -> tuple[Any, ...]:
    return (
        p.member_id,
        p.name,
        search_terms(p.name, p.origin_division_code, p.current_city, p.employer, p.industry),
        p.gender,
        p.birth_year,
        p.origin_division_code,
        p.current_city,
        p.employer,
        p.is_party_member,
        p.skills,
        envelope.time,
        p.registered_by,
        envelope.stream_version,
        p.industry,
        p.languages,
        p.disability,
        p.union_member,
    )


def _line(envelope: EventEnvelope, p: MemberRegistered) -> str:
    """`_row` as a line of COPY text (built directly: a bulk import writes a million of them)."""
    return (
        f"{p.member_id}\t{copy_escape(p.name)}\t"
        f"{copy_array(search_terms(p.name, p.origin_division_code, p.current_city, p.employer, p.industry))}\t"
        f"{p.gender}\t{p.birth_year}\t{copy_escape(p.origin_division_code)}\t{copy_escape(p.current_city)}\t"
        f"{_optional(p.employer)}\t{'t' if p.is_party_member else 'f'}\t{copy_array(p.skills)}\t"
        f"{envelope.time.isoformat()}\t{copy_escape(p.registered_by)}\t{envelope.stream_version}\t"
        f"{_optional(p.industry)}\t{copy_array(p.languages)}\t{_optional(p.disability)}\t"
        f"{'t' if p.union_member else 'f'}\n"
    )


def _optional(text: str | None) -> str:
    return "\\N" if text is None else copy_escape(text)


async def _current(conn: Connection, member_id: uuid.UUID) -> asyncpg.Record:
    row = await conn.fetchrow(
        "SELECT name, origin_division_code, current_city, employer, industry FROM members WHERE member_id = $1",
        member_id,
    )
    if row is None:  # an event of a member never registered: the store and read model disagree
        raise RuntimeError(f"member read model has no member {member_id}")
    return row


# While a bulk import runs on a connection, new search-index entries gather in a pending list of this
# size (the GIN is fastupdate, migration 0002) and are merged in fewer, larger sorted runs.
BULK_PENDING_LIST = "64MB"


@asynccontextmanager
async def bulk_loading(conn: Connection) -> AsyncIterator[None]:
    """For a bulk import on `conn`: a larger pending list for the search index while it runs, merged
    into the index when it ends, so that searches never scan a long list. The session setting is put
    back either way (the connection may go back to a pool)."""
    await conn.execute(f"SET gin_pending_list_limit = '{BULK_PENDING_LIST}'")
    try:
        yield
    finally:
        try:
            await conn.execute("RESET gin_pending_list_limit")
            await conn.execute("SELECT gin_clean_pending_list('members_search_terms'::regclass)")
        except Exception:  # the import's own error (or a lost connection) is what matters; vacuum merges later
            log.warning("could not merge the search index's pending list after a bulk import", exc_info=True)


class MemberProjection:
    name = "members"
    tables = ("members", "member_movements")

    async def apply(self, conn: Connection, event: EventEnvelope, payload: EventPayload) -> None:
        if isinstance(payload, MemberRegistered):
            await conn.execute(_INSERT, *_row(event, payload))
        elif isinstance(payload, MemberUpdated):
            await self._updated(conn, event, payload)
        elif isinstance(payload, MemberRelocated):
            row = await _current(conn, payload.member_id)
            terms = search_terms(
                row["name"], row["origin_division_code"], payload.current_city, payload.employer, payload.industry
            )
            await conn.execute(
                """UPDATE members SET current_city = $2, employer = $3, industry = $4, search_terms = $5, version = $6
                   WHERE member_id = $1""",
                payload.member_id,
                payload.current_city,
                payload.employer,
                payload.industry,
                terms,
                event.stream_version,
            )
            await conn.execute(
                """INSERT INTO member_movements (member_id, version, moved_on, from_city, from_employer,
                       from_industry, to_city, to_employer, to_industry, recorded_at, recorded_by)
                   VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)""",
                payload.member_id,
                event.stream_version,
                payload.moved_on,
                payload.previous_city,
                payload.previous_employer,
                payload.previous_industry,
                payload.current_city,
                payload.employer,
                payload.industry,
                event.time,
                payload.recorded_by,
            )
        elif isinstance(payload, MemberDeregistered):
            await conn.execute(
                """UPDATE members SET status = 'deregistered', deregistered_reason = $2, deregistered_at = $3,
                       version = $4 WHERE member_id = $1""",
                payload.member_id,
                payload.reason,
                event.time,
                event.stream_version,
            )
        elif isinstance(payload, MemberContacted):
            # A contact recorded late never moves the last contact back.
            await conn.execute(
                """UPDATE members SET last_contact_at = greatest(last_contact_at, $2), version = $3
                   WHERE member_id = $1""",
                payload.member_id,
                payload.contacted_at,
                event.stream_version,
            )
        elif isinstance(payload, MemberContactLost):
            await conn.execute(
                "UPDATE members SET contact_status = 'lost', contact_lost_at = $2, version = $3 WHERE member_id = $1",
                payload.member_id,
                payload.detected_at,
                event.stream_version,
            )
        elif isinstance(payload, MemberContactRestored):
            await conn.execute(
                """UPDATE members SET contact_status = 'in-contact', contact_lost_at = NULL, version = $2
                   WHERE member_id = $1""",
                payload.member_id,
                event.stream_version,
            )

    def writes(self, items: Sequence[Applied]) -> list[Write] | None:
        """StatementProjection: a registration's row (an INSERT that reads nothing) goes in the append's
        statement; the other member events read the row or keep an order, so they are applied."""
        if len(items) == 1 and isinstance(items[0][1], MemberRegistered):
            return [Write(_INSERT, _row(items[0][0], items[0][1]))]
        return None if any(isinstance(payload, MEMBER_EVENTS) for _, payload in items) else []

    async def _updated(self, conn: Connection, event: EventEnvelope, p: MemberUpdated) -> None:
        sets = ["version = $2"]
        args: list[Any] = [p.member_id, event.stream_version]
        for column in _EDITED_COLUMNS:
            if column in p.changed:
                args.append(getattr(p, column))
                sets.append(f"{column} = ${len(args)}")
        if "name" in p.changed or "industry" in p.changed:
            row = await _current(conn, p.member_id)
            name = p.name if "name" in p.changed and p.name is not None else row["name"]
            industry = p.industry if "industry" in p.changed else row["industry"]
            args.append(search_terms(name, row["origin_division_code"], row["current_city"], row["employer"], industry))
            sets.append(f"search_terms = ${len(args)}")
        await conn.execute(f"UPDATE members SET {', '.join(sets)} WHERE member_id = $1", *args)

    async def apply_many(self, conn: Connection, items: Sequence[Applied]) -> None:
        """Runs of registrations go in by COPY; any other member event is applied in its place, so
        the order of a member's events is kept. Events of other aggregates do not touch these tables."""
        run: list[Applied] = []
        for envelope, payload in items:
            if isinstance(payload, MemberRegistered):
                run.append((envelope, payload))
            elif isinstance(payload, MEMBER_EVENTS):
                await self._copy(conn, run)
                run = []
                await self.apply(conn, envelope, payload)
        await self._copy(conn, run)

    def prepare_new(self, items: Sequence[Applied]) -> bytes | list[Applied] | None:
        """A new member's row as a line of COPY text (one registration), or the stream's member events."""
        if len(items) == 1 and isinstance(items[0][1], MemberRegistered):
            return _line(items[0][0], items[0][1]).encode()
        mine: list[Applied] = [(e, p) for e, p in items if isinstance(p, MEMBER_EVENTS)]
        return mine or None

    async def write_prepared(self, conn: Connection, prepared: Sequence[bytes | list[Applied]]) -> None:
        lines = [p for p in prepared if type(p) is bytes]
        if lines:
            await copy_lines(conn, "members", _INSERT_COLUMNS, lines)
        for p in prepared:
            if type(p) is list:
                for envelope, payload in p:
                    await self.apply(conn, envelope, payload)

    async def _copy(self, conn: Connection, run: list[Applied]) -> None:
        if len(run) == 1:
            envelope, payload = run[0]
            await self.apply(conn, envelope, payload)
        elif run:
            await copy_lines(conn, "members", _INSERT_COLUMNS, (_line(e, p) for e, p in run))  # type: ignore[arg-type]
