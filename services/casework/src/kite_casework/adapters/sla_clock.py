"""Keeps `case_sla_clock`, the deadline watch's schedule: one row per case on the clock, with the
moment it is next due (see migrations/0013_sla_clock.sql)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kite_common.db.types import Connection
from kite_common.events import EventEnvelope, EventPayload

from kite_casework.adapters.batched import OpenedInRuns
from kite_casework.domain import deadline_events as dev
from kite_casework.domain import events as ev
from kite_casework.sla_settings import SlaSettings


class SlaClockProjection(OpenedInRuns):
    """`warn_fraction` is read once from the settings: a change applies to clocks started after it
    (a rebuild applies it to all)."""

    name = "sla-clock"
    tables = ("case_sla_clock",)

    def __init__(self, warn_fraction: float | None = None) -> None:
        self.warn_fraction = SlaSettings().warn_fraction if warn_fraction is None else warn_fraction

    def warn_at(self, started_at: datetime, deadline: datetime) -> datetime:
        return started_at + (deadline - started_at) * self.warn_fraction

    async def apply(self, conn: Connection, event: EventEnvelope, payload: EventPayload) -> None:
        match payload:
            case ev.CaseOpened():
                await self._start(conn, payload.case_id, event.time, payload.deadline)
            case ev.CaseReopened():
                await self._start(conn, payload.case_id, payload.reopened_at, payload.deadline)
            case dev.CaseEscalated():
                await self._start(conn, payload.case_id, payload.escalated_at, payload.deadline)
            case ev.CaseResolved() | ev.CaseClosed():
                await conn.execute("DELETE FROM case_sla_clock WHERE case_id = $1", payload.case_id)
            case ev.CaseSuspended():
                await conn.execute("UPDATE case_sla_clock SET suspended = true WHERE case_id = $1", payload.case_id)
            case ev.CaseResumed():
                # The whole clock moves later by the time suspended; a moved deadline is a new one.
                await conn.execute(
                    """UPDATE case_sla_clock
                       SET suspended = false, started_at = started_at + ($2 - deadline),
                           warn_at = warn_at + ($2 - deadline), warned = warned AND deadline = $2,
                           breached = breached AND deadline = $2, deadline = $2
                       WHERE case_id = $1""",
                    payload.case_id,
                    payload.deadline,
                )
            case dev.CaseSlaWarning():
                await conn.execute(
                    "UPDATE case_sla_clock SET warned = true, leased_until = NULL WHERE case_id = $1 AND deadline = $2",
                    payload.case_id,
                    payload.deadline,
                )
            case dev.CaseSlaBreached():
                await conn.execute(
                    "UPDATE case_sla_clock SET breached = true, leased_until = NULL"
                    " WHERE case_id = $1 AND deadline = $2",
                    payload.case_id,
                    payload.deadline,
                )

    opened_sql = """INSERT INTO case_sla_clock (case_id, started_at, deadline, warn_at) VALUES ($1, $2, $3, $4)
               ON CONFLICT (case_id) DO UPDATE SET started_at = $2, deadline = $3, warn_at = $4,
                   warned = false, breached = false, suspended = false, leased_until = NULL"""

    def opened_row(self, event: EventEnvelope, payload: ev.CaseOpened) -> tuple[Any, ...]:
        return (payload.case_id, event.time, payload.deadline, self.warn_at(event.time, payload.deadline))

    async def _start(self, conn: Connection, case_id: object, started_at: datetime, deadline: datetime) -> None:
        await conn.execute(self.opened_sql, case_id, started_at, deadline, self.warn_at(started_at, deadline))
