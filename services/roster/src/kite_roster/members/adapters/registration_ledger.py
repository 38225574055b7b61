"""The registration ledger (外出务工人员台账): counters of active members per origin village ×
destination city, × industry and × employer, moved by member events, so a ledger read sums a few
counter rows instead of grouping members.

This projection reads a member's previous place from `members` when it moves them, so it must run
BEFORE the member projection in the service's projections (a test checks the order). Within a batch it
carries each member's place from event to event itself, since the member projection applies the whole
batch only afterwards.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from typing import Literal, NamedTuple

from kite_common.bulk import copy_escape, copy_lines
from kite_common.db.statements import Write
from kite_common.db.types import Connection
from kite_common.events import EventEnvelope, EventPayload
from kite_common.projection import Applied

from kite_roster.members.domain.member_events import (
    MemberDeregistered,
    MemberRegistered,
    MemberRelocated,
    MemberUpdated,
)

Dimension = Literal["city", "industry", "employer"]
DIMENSIONS: tuple[Dimension, ...] = ("city", "industry", "employer")
Counted = tuple[Dimension, str, str]


class Place(NamedTuple):
    """Where an active member is counted. '' stands for an industry or employer not known."""

    origin_division_code: str
    city: str
    industry: str
    employer: str

    def counters(self) -> tuple[Counted, Counted, Counted]:
        return (
            ("city", self.origin_division_code, self.city),
            ("industry", self.origin_division_code, self.industry),
            ("employer", self.origin_division_code, self.employer),
        )


def _moves(payload: EventPayload) -> bool:
    return isinstance(payload, MemberRelocated | MemberDeregistered) or (
        isinstance(payload, MemberUpdated) and "industry" in payload.changed
    )


def _after(place: Place | None, payload: EventPayload) -> Place | None:
    """The member's place after an event that moves them (None: not counted)."""
    if place is None or isinstance(payload, MemberDeregistered):
        return None
    if isinstance(payload, MemberRelocated):
        return place._replace(
            city=payload.current_city, industry=payload.industry or "", employer=payload.employer or ""
        )
    if isinstance(payload, MemberUpdated):
        return place._replace(industry=payload.industry or "")
    return place


class RegistrationLedgerProjection:
    name = "registration_ledger"
    tables = ("registration_ledger", "registration_ledger_pending")

    async def apply(self, conn: Connection, event: EventEnvelope, payload: EventPayload) -> None:
        if isinstance(payload, MemberRegistered) or _moves(payload):
            await self.apply_many(conn, [(event, payload)])

    async def apply_many(self, conn: Connection, items: Sequence[Applied]) -> None:
        registered = [p for _, p in items if isinstance(p, MemberRegistered)]
        if registered and len(registered) == len(items):
            await _count_registered(conn, [_place(p) for p in registered])  # registrations only
            return
        deltas: Counter[Counted] = Counter()
        known: dict[uuid.UUID, Place | None] = {}
        for _, payload in items:
            if isinstance(payload, MemberRegistered):
                place = _place(payload)
                known[payload.member_id] = place
                deltas.update(place.counters())
            elif _moves(payload):
                member_id: uuid.UUID = payload.member_id  # type: ignore[attr-defined]
                before = known[member_id] if member_id in known else await self._stored_place(conn, member_id)
                after = _after(before, payload)
                known[member_id] = after
                if before is not None:
                    deltas.subtract(before.counters())
                if after is not None:
                    deltas.update(after.counters())
        await self._count(conn, deltas)

    def writes(self, items: Sequence[Applied]) -> list[Write] | None:
        """StatementProjection: registrations are counted in by one upsert that reads no other table,
        so it goes in the append's statement; an event that moves a member reads where they were."""
        registered = [p for _, p in items if isinstance(p, MemberRegistered)]
        if registered and len(registered) == len(items):
            return [_registered_write([_place(p) for p in registered])]
        return None if any(isinstance(p, MemberRegistered) or _moves(p) for _, p in items) else []

    def prepare_new(self, items: Sequence[Applied]) -> bytes | list[Applied] | None:
        """A new member's pending row (one registration) as a line of COPY text, or the stream's
        events that move counters."""
        if len(items) == 1 and isinstance(items[0][1], MemberRegistered):
            return "\t".join(map(copy_escape, _place(items[0][1]))).encode() + b"\n"
        mine = [(e, p) for e, p in items if isinstance(p, MemberRegistered) or _moves(p)]
        return mine or None

    async def write_prepared(self, conn: Connection, prepared: Sequence[bytes | list[Applied]]) -> None:
        """New members go to the pending list (a bulk import: see migration 0007); any other events
        move the counters as `apply_many` does."""
        lines = [p for p in prepared if type(p) is bytes]
        if lines:
            await copy_lines(conn, "registration_ledger_pending", _PENDING_COLUMNS, lines)
        rest = [item for p in prepared if type(p) is list for item in p]
        if rest:
            await self.apply_many(conn, rest)

    async def _stored_place(self, conn: Connection, member_id: uuid.UUID) -> Place | None:
        row = await conn.fetchrow(
            """SELECT origin_division_code, current_city, industry, employer FROM members
               WHERE member_id = $1 AND status = 'active'""",
            member_id,
        )
        if row is None:
            return None
        return Place(row["origin_division_code"], row["current_city"], row["industry"] or "", row["employer"] or "")

    async def _count(self, conn: Connection, deltas: Counter[Counted]) -> None:
        # Sorted, so concurrent writers lock counter rows in one order and never deadlock.
        ups = sorted((k, n) for k, n in deltas.items() if n > 0)
        downs = sorted((k, n) for k, n in deltas.items() if n < 0)
        if ups:
            await conn.execute(
                """INSERT INTO registration_ledger AS l (dimension, origin_division_code, value, members)
                   SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[])
                   ON CONFLICT (dimension, origin_division_code, value)
                   DO UPDATE SET members = l.members + excluded.members""",
                *_columns(ups),
            )
        if downs:
            dims, origins, values, counts = _columns(downs)
            await fold_pending(conn, sorted(set(origins)))  # their registration may be pending still
            status = await conn.execute(
                """UPDATE registration_ledger l SET members = l.members + d.delta
                   FROM unnest($1::text[], $2::text[], $3::text[], $4::int[])
                       AS d(dimension, origin_division_code, value, delta)
                   WHERE (l.dimension, l.origin_division_code, l.value)
                       = (d.dimension, d.origin_division_code, d.value)""",
                dims,
                origins,
                values,
                counts,
            )
            if status != f"UPDATE {len(downs)}":  # a member counted nowhere cannot be taken away
                raise RuntimeError(f"registration ledger out of step: {status} of {len(downs)} counters")
            await conn.execute(
                """DELETE FROM registration_ledger
                   WHERE members = 0 AND (dimension, origin_division_code, value)
                       IN (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))""",
                dims,
                origins,
                values,
            )


_PENDING_COLUMNS = ("origin_division_code", "current_city", "industry", "employer")
# Folds are one at a time (a transaction-scoped advisory lock), so two never lock the same pending rows
# in different orders.
_FOLD_LOCK = 0x72656C66  # "relf"


async def fold_pending(conn: Connection, origins: Sequence[str] | None = None) -> None:
    """Fold pending members (of these origin villages, or all) into the counters, in the caller's
    transaction (or one of its own). Reads give the same totals before and after."""
    if origins is not None:
        if not origins or not await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM registration_ledger_pending WHERE origin_division_code = ANY($1::text[]))",
            list(origins),
        ):
            return
        where, args = "WHERE origin_division_code = ANY($1::text[])", [list(origins)]
    else:
        where, args = "", []
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _FOLD_LOCK)
        await conn.execute(
            f"""WITH r(origin, city, industry, employer) AS (
                    DELETE FROM registration_ledger_pending {where}
                    RETURNING origin_division_code, current_city, industry, employer)
                {_COUNT_IN}""",
            *args,
        )


# Counts members in: the same counters `_count` moves for their registrations, grouped by PostgreSQL
# (one row per member, not three counter keys) and locked in the same order (code point order of
# dimension, origin, value: `_count` sorts by the same). The members come from `r(origin, city,
# industry, employer)`.
_COUNT_IN = """INSERT INTO registration_ledger AS l (dimension, origin_division_code, value, members)
    SELECT d.dimension, r.origin, d.value, count(*)::int
    FROM r CROSS JOIN LATERAL (VALUES ('city', r.city), ('industry', r.industry), ('employer', r.employer))
        AS d(dimension, value)
    GROUP BY d.dimension, r.origin, d.value
    ORDER BY d.dimension COLLATE "C", r.origin COLLATE "C", d.value COLLATE "C"
    ON CONFLICT (dimension, origin_division_code, value)
    DO UPDATE SET members = l.members + excluded.members"""


def _place(p: MemberRegistered) -> Place:
    return Place(p.origin_division_code, p.current_city, p.industry or "", p.employer or "")


_COUNT_REGISTERED = f"""WITH r(origin, city, industry, employer) AS (
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]))
    {_COUNT_IN}"""


# One member's three counters, in the order `_COUNT_IN` locks them ('city' < 'employer' < 'industry').
_COUNT_ONE = """INSERT INTO registration_ledger AS l (dimension, origin_division_code, value, members)
    VALUES ('city', $1, $2, 1), ('employer', $1, $4, 1), ('industry', $1, $3, 1)
    ON CONFLICT (dimension, origin_division_code, value)
    DO UPDATE SET members = l.members + excluded.members"""


def _registered_write(places: Sequence[Place]) -> Write:
    if len(places) == 1:  # a registration through the API: no arrays to encode, no grouping to plan
        return Write(_COUNT_ONE, tuple(places[0]))
    return Write(_COUNT_REGISTERED, tuple(map(list, zip(*places, strict=True))))


async def _count_registered(conn: Connection, places: Sequence[Place]) -> None:
    """Count new members in, straight into the counters."""
    write = _registered_write(places)
    await conn.execute(write.sql, *write.args)


def _columns(entries: list[tuple[Counted, int]]) -> tuple[list[str], list[str], list[str], list[int]]:
    return (
        [k[0] for k, _ in entries],
        [k[1] for k, _ in entries],
        [k[2] for k, _ in entries],
        [n for _, n in entries],
    )
