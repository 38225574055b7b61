"""Use case: the deadline watch (限时办结). Claims the cases whose warning moment or deadline has come
(a batch at a time, through the due index), and lets each case decide in its own write: a warning,
a breach and, with a breach, escalation one level up (四级联动).

Exactly once per case and deadline: the case aggregate records a warning or a breach only for a
deadline it has not warned of or breached yet, and its write is appended at the version it was read
at, so of two replicas deciding the same case one wins and the other, retried on the conflict, finds
nothing left to do. Claims are leases on the `case_sla_clock` schedule (`kite_common.schedule`: SKIP
LOCKED, so replicas take different cases): a replica that dies mid-batch leaves leases that run out,
and the next pass takes those cases again; a replica that was down when a moment came finds the case
still due (`due_at` is in the past) and acts then.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from kite_common.commands import command
from kite_common.runtime import ServiceRuntime
from kite_common.schedule import DueSchedule
from kite_common.schedule import claim_due as claim_due_rows
from kite_common.unit_of_work import UnitOfWork

from kite_casework.adapters.escalation_offices import next_office
from kite_casework.domain.case import Case

log = logging.getLogger(__name__)

SLA_CLOCK = DueSchedule("case_sla_clock", "case_id", ("deadline", "warn_at"))
LEASE = SLA_CLOCK.lease


@dataclass(frozen=True)
class DueClock:
    case_id: uuid.UUID
    deadline: datetime
    warn_at: datetime


async def claim_due(runtime: ServiceRuntime, now: datetime, batch_size: int) -> list[DueClock]:
    """Lease up to `batch_size` due clocks, earliest first, that no other replica holds."""
    async with runtime.pool.acquire() as conn:
        rows = await claim_due_rows(conn, SLA_CLOCK, now, batch_size)
    return [DueClock(r["case_id"], r["deadline"], r["warn_at"]) for r in rows]


@command
async def watch_case_deadline(uow: UnitOfWork, due: DueClock, now: datetime) -> int:
    """One case's decision at `now`; returns the number of events written."""
    async with uow:
        case = await uow.get(Case, due.case_id)
        office = None
        if case.on_the_clock and case.deadline is not None and now >= case.deadline:
            assert case.origin_division_code is not None
            office = await next_office(uow.conn, case.origin_division_code, case.level)
        # A schedule row behind the case (another deadline) gives no early warning: warn at the deadline.
        warn_at = due.warn_at if due.deadline == case.deadline else (case.deadline or now)
        decided = case.watch_deadline(now, warn_at, office)
        if decided:
            await uow.save(case)
        else:
            await _settle(uow, case, due)
    return len(decided)


async def _settle(uow: UnitOfWork, case: Case, due: DueClock) -> None:
    """The clock was due but the case had nothing to decide: the schedule is behind the case (it can
    only be after a hand edit or a lost write). Bring the row in line so it is not claimed again."""
    log.warning("deadline watch: schedule of case %s was stale; settled from its stream", case.case_id)
    if not case.on_the_clock:
        suspended = case.suspended and case.status is not None and case.status.unresolved
        if suspended:
            await uow.conn.execute("UPDATE case_sla_clock SET suspended = true WHERE case_id = $1", case.case_id)
        else:
            await uow.conn.execute("DELETE FROM case_sla_clock WHERE case_id = $1", case.case_id)
        return
    await uow.conn.execute(
        """UPDATE case_sla_clock SET deadline = $2, warned = $3, breached = $4, leased_until = NULL
           WHERE case_id = $1""",
        case.case_id,
        case.deadline,
        case.sla_warned_for == case.deadline,
        case.sla_breached_for == case.deadline,
    )


async def watch_deadlines_once(runtime: ServiceRuntime, now: datetime, batch_size: int) -> tuple[int, int]:
    """One batch: (clocks claimed, events written)."""
    claimed = await claim_due(runtime, now, batch_size)
    written = 0
    for due in claimed:
        try:
            written += await watch_case_deadline(runtime.unit_of_work(), due, now)
        except Exception:  # one case's failure must not stop the others; its lease runs out
            log.exception("deadline watch: case %s failed", due.case_id)
    return len(claimed), written
