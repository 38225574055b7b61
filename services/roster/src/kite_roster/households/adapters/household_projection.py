"""Keeps households, household_members, household_incomes and the income ledger's counters from
household events, and members.household_id (the one column of another read model this projection
may write, by the roster plan).

One projection for all four tables, so the ledger's counters are always moved from the state before
the event (the old band of a corrected year, the old flags) without depending on the order in which
projections run."""

from __future__ import annotations

import uuid

from kite_common.db.types import Connection
from kite_common.events import EventEnvelope, EventPayload
from kite_common.projection import AppliedWhenPrepared

from kite_roster.households.adapters.income_ledger import IncomeLedgerCounters, LedgerEntry, LedgerFlags, entries_of
from kite_roster.households.domain.household import per_capita_income
from kite_roster.households.domain.household_events import (
    HouseholdFlagsChanged,
    HouseholdIncomeReported,
    HouseholdMemberAdded,
    HouseholdMemberRemoved,
    HouseholdRegistered,
)


class HouseholdProjection(AppliedWhenPrepared):
    name = "households"
    tables = ("households", "household_members", "household_incomes", "income_ledger_counts")
    handles = (
        HouseholdRegistered,
        HouseholdFlagsChanged,
        HouseholdMemberAdded,
        HouseholdMemberRemoved,
        HouseholdIncomeReported,
    )

    def __init__(self, ledger: IncomeLedgerCounters | None = None) -> None:
        self.ledger = ledger or IncomeLedgerCounters()

    async def apply(self, conn: Connection, event: EventEnvelope, payload: EventPayload) -> None:
        if isinstance(payload, HouseholdRegistered):
            await conn.execute(
                """INSERT INTO households (household_id, division_code, head_name, address, poverty_registered,
                       relocated, relocation_site, monitored, monitoring_category, registered_at, version)
                   VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)""",
                payload.household_id,
                payload.division_code,
                payload.head_name,
                payload.address,
                payload.poverty_registered,
                payload.relocated,
                payload.relocation_site,
                payload.monitored,
                payload.monitoring_category,
                event.time,
                event.stream_version,
            )
        elif isinstance(payload, HouseholdFlagsChanged):
            await self._flags_changed(conn, event, payload)
        elif isinstance(payload, HouseholdMemberAdded):
            await conn.execute(
                "INSERT INTO household_members (member_id, household_id, relation, joined_at) VALUES ($1,$2,$3,$4)",
                payload.member_id,
                payload.household_id,
                payload.relation,
                event.time,
            )
            await conn.execute(
                "UPDATE members SET household_id = $2 WHERE member_id = $1", payload.member_id, payload.household_id
            )
            await _bump_version(conn, payload.household_id, event)
        elif isinstance(payload, HouseholdMemberRemoved):
            await conn.execute(
                "DELETE FROM household_members WHERE member_id = $1 AND household_id = $2",
                payload.member_id,
                payload.household_id,
            )
            await conn.execute(
                "UPDATE members SET household_id = NULL WHERE member_id = $1 AND household_id = $2",
                payload.member_id,
                payload.household_id,
            )
            await _bump_version(conn, payload.household_id, event)
        elif isinstance(payload, HouseholdIncomeReported):
            await self._income_reported(conn, event, payload)

    async def _flags_changed(self, conn: Connection, event: EventEnvelope, payload: HouseholdFlagsChanged) -> None:
        old = await conn.fetchrow(
            """SELECT division_code, poverty_registered, relocated, monitored
               FROM households WHERE household_id = $1 FOR UPDATE""",
            payload.household_id,
        )
        assert old is not None, "household-flags-changed before household-registered"
        await conn.execute(
            """UPDATE households SET poverty_registered = $2, relocated = $3, relocation_site = $4, monitored = $5,
                                     monitoring_category = $6, version = $7
               WHERE household_id = $1""",
            payload.household_id,
            payload.poverty_registered,
            payload.relocated,
            payload.relocation_site,
            payload.monitored,
            payload.monitoring_category,
            event.stream_version,
        )
        before = LedgerFlags(old["poverty_registered"], old["relocated"], old["monitored"])
        after = LedgerFlags(payload.poverty_registered, payload.relocated, payload.monitored)
        if before != after:
            entries = await entries_of(conn, payload.household_id)
            await self.ledger.move(
                conn, old["division_code"], [(e, before) for e in entries], [(e, after) for e in entries]
            )

    async def _income_reported(self, conn: Connection, event: EventEnvelope, payload: HouseholdIncomeReported) -> None:
        household = await conn.fetchrow(
            """SELECT division_code, poverty_registered, relocated, monitored
               FROM households WHERE household_id = $1 FOR UPDATE""",
            payload.household_id,
        )
        assert household is not None, "household-income-reported before household-registered"
        flags = LedgerFlags(household["poverty_registered"], household["relocated"], household["monitored"])
        previous = await conn.fetchrow(
            "SELECT per_capita_income, household_size FROM household_incomes WHERE household_id = $1 AND year = $2",
            payload.household_id,
            payload.year,
        )
        per_capita = per_capita_income(payload.total_income, payload.household_size)
        await conn.execute(
            """INSERT INTO household_incomes (household_id, year, total_income, household_size, per_capita_income,
                                              division_code, reported_at)
               VALUES ($1,$2,$3,$4,$5,$6,$7)
               ON CONFLICT (household_id, year) DO UPDATE
               SET total_income = excluded.total_income, household_size = excluded.household_size,
                   per_capita_income = excluded.per_capita_income, reported_at = excluded.reported_at""",
            payload.household_id,
            payload.year,
            payload.total_income,
            payload.household_size,
            per_capita,
            household["division_code"],
            event.time,
        )
        removed = (
            [(LedgerEntry(payload.year, previous["per_capita_income"], previous["household_size"]), flags)]
            if previous is not None
            else []
        )
        added = [(LedgerEntry(payload.year, per_capita, payload.household_size), flags)]
        await self.ledger.move(conn, household["division_code"], removed, added)
        await _bump_version(conn, payload.household_id, event)


async def _bump_version(conn: Connection, household_id: uuid.UUID, event: EventEnvelope) -> None:
    await conn.execute("UPDATE households SET version = $2 WHERE household_id = $1", household_id, event.stream_version)
