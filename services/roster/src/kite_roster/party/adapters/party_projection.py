"""Keeps the party read models (party_members, branch_memberships, dues_payments, org-life sessions
and attendance) and the party ledger's counters from party events.

Counters are kept as a difference: a member's contribution to every counter is a pure function of
the member's current party state (see `contribution`); each event updates the rows, and the
counters move by (contribution after − contribution before). So a counter always equals a recount
over the current state, whatever the history, and no ledger query scans the members.

This projection also sets `members.is_party_member` (allowed by the roster plan)."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass

from kite_common.db.types import Connection
from kite_common.events import EventEnvelope, EventPayload
from kite_common.projection import AppliedWhenPrepared

from kite_roster.party.domain.party import month_of
from kite_roster.party.domain.party_events import (
    BranchMembershipJoined,
    BranchMembershipLeft,
    BranchMembershipTransferred,
    DuesPaid,
    MembershipRole,
    OrgLifeSessionHeld,
    PartyDuesReminderDue,
    PartyMemberConfirmed,
    PartyMembershipRecorded,
    PartyStatus,
    PartyStatusChanged,
)

# Still in our organisations' care: counted as members by the ledger.
COUNTED_STATUSES = frozenset({PartyStatus.NORMAL, PartyStatus.SUSPENDED})

_KEYS: dict[str, tuple[str, ...]] = {
    "party_origin_counts": ("origin_division_code",),
    "party_dues_counts": ("origin_division_code", "month"),
    "branch_counts": ("organisation_id",),
    "branch_dues_counts": ("organisation_id", "month"),
}

# (table, key values, column)
CounterKey = tuple[str, tuple[object, ...], str]

_MEMBER_EVENTS = (
    PartyMembershipRecorded,
    PartyMemberConfirmed,
    PartyStatusChanged,
    BranchMembershipJoined,
    BranchMembershipLeft,
    BranchMembershipTransferred,
    DuesPaid,
)


@dataclass(frozen=True)
class LedgerState:
    """What of a party member the ledger counts."""

    origin_division_code: str
    status: PartyStatus
    awaiting_confirmation: bool
    memberships: tuple[tuple[uuid.UUID, MembershipRole], ...]
    paid_months: frozenset[str]


def contribution(state: LedgerState | None) -> Counter[CounterKey]:
    out: Counter[CounterKey] = Counter()
    if state is None:
        return out
    origin = (state.origin_division_code,)
    status = state.status
    counted = status in COUNTED_STATUSES
    normal = status is PartyStatus.NORMAL
    out["party_origin_counts", origin, status.value.replace("-", "_")] += 1
    if counted:
        out["party_origin_counts", origin, "members"] += 1
        out["party_origin_counts", origin, f"coverage_{len(state.memberships)}"] += 1
    if normal and state.awaiting_confirmation:
        out["party_origin_counts", origin, "probationary"] += 1
    origin_branch = None
    for organisation_id, role in state.memberships:
        key = (organisation_id,)
        out["branch_counts", key, "members"] += 1
        out["branch_counts", key, role.value] += 1
        if role is MembershipRole.ORIGIN:
            origin_branch = organisation_id
            if normal:
                out["branch_counts", key, "dues_expected"] += 1
    if normal:
        for month in state.paid_months:
            out["party_dues_counts", (state.origin_division_code, month), "paid"] += 1
            if origin_branch is not None:
                out["branch_dues_counts", (origin_branch, month), "paid"] += 1
    return out


async def load_state(conn: Connection, member_id: uuid.UUID) -> LedgerState | None:
    row = await conn.fetchrow(
        """SELECT p.origin_division_code, p.status, (p.probationary AND p.confirmed_on IS NULL) AS awaiting,
                  ARRAY(SELECT b.organisation_id FROM branch_memberships b
                        WHERE b.member_id = p.member_id AND b.left_on IS NULL ORDER BY b.role) AS orgs,
                  ARRAY(SELECT b.role FROM branch_memberships b
                        WHERE b.member_id = p.member_id AND b.left_on IS NULL ORDER BY b.role) AS roles,
                  ARRAY(SELECT d.month FROM dues_payments d WHERE d.member_id = p.member_id) AS months
           FROM party_members p WHERE p.member_id = $1""",
        member_id,
    )
    if row is None:
        return None
    return LedgerState(
        origin_division_code=row["origin_division_code"],
        status=PartyStatus(row["status"]),
        awaiting_confirmation=row["awaiting"],
        memberships=tuple(zip(row["orgs"], (MembershipRole(r) for r in row["roles"]), strict=True)),
        paid_months=frozenset(row["months"]),
    )


async def bump(conn: Connection, changes: Counter[CounterKey]) -> None:
    """Add the non-zero changes to the counter rows, row by row in a fixed order (no deadlocks
    between two writers touching the same rows)."""
    rows: dict[tuple[str, tuple[object, ...]], dict[str, int]] = defaultdict(dict)
    for (table, key, column), delta in changes.items():
        if delta:
            rows[table, key][column] = delta
    for (table, key), deltas in sorted(rows.items(), key=lambda item: (item[0][0], tuple(map(str, item[0][1])))):
        key_columns = _KEYS[table]
        columns = sorted(deltas)
        names = ", ".join((*key_columns, *columns))
        params = ", ".join(f"${i}" for i in range(1, len(key_columns) + len(columns) + 1))
        updates = ", ".join(f"{c} = {table}.{c} + EXCLUDED.{c}" for c in columns)
        await conn.execute(
            f"INSERT INTO {table} ({names}) VALUES ({params}) "
            f"ON CONFLICT ({', '.join(key_columns)}) DO UPDATE SET {updates}",
            *key,
            *(deltas[c] for c in columns),
        )


class PartyProjection(AppliedWhenPrepared):
    name = "party"
    tables = (
        "party_members",
        "branch_memberships",
        "dues_payments",
        "dues_reminders",
        "org_life_sessions",
        "org_life_attendance",
        "party_origin_counts",
        "party_dues_counts",
        "branch_counts",
        "branch_dues_counts",
        "org_life_monthly",
    )
    handles = (OrgLifeSessionHeld, PartyDuesReminderDue, *_MEMBER_EVENTS)

    async def apply(self, conn: Connection, event: EventEnvelope, payload: EventPayload) -> None:
        if isinstance(payload, OrgLifeSessionHeld):
            await _session_held(conn, event, payload)
        elif isinstance(payload, PartyDuesReminderDue):  # counts nothing: only who was reminded of which month
            await conn.execute(
                "INSERT INTO dues_reminders (member_id, month, due_on) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING",
                payload.member_id,
                payload.month,
                payload.due_on,
            )
            await conn.execute(
                "UPDATE party_members SET version = $2 WHERE member_id = $1", payload.member_id, event.stream_version
            )
        elif isinstance(payload, _MEMBER_EVENTS):
            before = await load_state(conn, payload.member_id)
            await _write(conn, event, payload)
            await conn.execute(
                "UPDATE party_members SET version = $2 WHERE member_id = $1", payload.member_id, event.stream_version
            )
            change = contribution(await load_state(conn, payload.member_id))
            change.subtract(contribution(before))
            await bump(conn, change)


async def _write(conn: Connection, event: EventEnvelope, payload: EventPayload) -> None:
    if isinstance(payload, PartyMembershipRecorded):
        await conn.execute(
            """INSERT INTO party_members (member_id, origin_division_code, joined_on, probationary, probationary_until,
                   status, recorded_at, version)
               VALUES ($1,$2,$3,$4,$5,$6,$7,$8)""",
            payload.member_id,
            payload.origin_division_code,
            payload.joined_on,
            payload.probationary,
            payload.probationary_until,
            PartyStatus.NORMAL.value,
            event.time,
            event.stream_version,
        )
        await conn.execute("UPDATE members SET is_party_member = true WHERE member_id = $1", payload.member_id)
    elif isinstance(payload, PartyMemberConfirmed):
        await conn.execute(
            "UPDATE party_members SET confirmed_on = $2 WHERE member_id = $1", payload.member_id, payload.confirmed_on
        )
    elif isinstance(payload, PartyStatusChanged):
        await conn.execute(
            "UPDATE party_members SET status = $2, status_changed_on = $3 WHERE member_id = $1",
            payload.member_id,
            payload.to_status.value,
            payload.changed_on,
        )
        await conn.execute(
            "UPDATE members SET is_party_member = $2 WHERE member_id = $1",
            payload.member_id,
            payload.to_status is not PartyStatus.DECEASED,
        )
    elif isinstance(payload, BranchMembershipJoined):
        await _join(
            conn, payload.member_id, payload.role, event.stream_version, payload.organisation_id, payload.joined_on
        )
    elif isinstance(payload, BranchMembershipLeft):
        await _leave(conn, payload.member_id, payload.role, payload.left_on, payload.reason)
    elif isinstance(payload, BranchMembershipTransferred):
        await _leave(conn, payload.member_id, payload.role, payload.transferred_on, "转移")
        await _join(
            conn,
            payload.member_id,
            payload.role,
            event.stream_version,
            payload.to_organisation_id,
            payload.transferred_on,
        )
    elif isinstance(payload, DuesPaid):
        await conn.execute(
            """INSERT INTO dues_payments (member_id, month, amount_fen, paid_on, corrected, version)
               VALUES ($1,$2,$3,$4,$5,$6)
               ON CONFLICT (member_id, month) DO UPDATE
               SET amount_fen = EXCLUDED.amount_fen, paid_on = EXCLUDED.paid_on, corrected = true,
                   version = EXCLUDED.version""",
            payload.member_id,
            payload.month,
            payload.amount_fen,
            payload.paid_on,
            payload.correction,
            event.stream_version,
        )


async def _join(
    conn: Connection,
    member_id: uuid.UUID,
    role: MembershipRole,
    since_version: int,
    organisation_id: uuid.UUID,
    joined_on: object,
) -> None:
    await conn.execute(
        """INSERT INTO branch_memberships (member_id, role, since_version, organisation_id, joined_on)
           VALUES ($1,$2,$3,$4,$5)""",
        member_id,
        role.value,
        since_version,
        organisation_id,
        joined_on,
    )


async def _leave(
    conn: Connection, member_id: uuid.UUID, role: MembershipRole, left_on: object, reason: str | None
) -> None:
    await conn.execute(
        """UPDATE branch_memberships SET left_on = $3, left_reason = $4
           WHERE member_id = $1 AND role = $2 AND left_on IS NULL""",
        member_id,
        role.value,
        left_on,
        reason,
    )


async def _session_held(conn: Connection, event: EventEnvelope, payload: OrgLifeSessionHeld) -> None:
    division_code = await conn.fetchval(
        "SELECT division_code FROM organisations WHERE organisation_id = $1", payload.organisation_id
    )
    expected = len(payload.attendance)
    attended = sum(1 for a in payload.attendance if a.status.attended)
    await conn.execute(
        """INSERT INTO org_life_sessions (session_id, organisation_id, division_code, kind, mode, held_on, topic,
               expected, attended, recorded_by, recorded_at)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)""",
        payload.session_id,
        payload.organisation_id,
        division_code,
        payload.kind.value,
        payload.mode.value,
        payload.held_on,
        payload.topic,
        expected,
        attended,
        payload.recorded_by,
        event.time,
    )
    await conn.execute(
        """INSERT INTO org_life_attendance (session_id, member_id, status, reason)
           SELECT $1, m, s, r FROM unnest($2::uuid[], $3::text[], $4::text[]) AS a(m, s, r)""",
        payload.session_id,
        [a.member_id for a in payload.attendance],
        [a.status.value for a in payload.attendance],
        [a.reason for a in payload.attendance],
    )
    await conn.execute(
        """INSERT INTO org_life_monthly (organisation_id, month, sessions, expected, attended) VALUES ($1,$2,1,$3,$4)
           ON CONFLICT (organisation_id, month) DO UPDATE
           SET sessions = org_life_monthly.sessions + 1, expected = org_life_monthly.expected + EXCLUDED.expected,
               attended = org_life_monthly.attended + EXCLUDED.attended""",
        payload.organisation_id,
        month_of(payload.held_on),
        expected,
        attended,
    )
