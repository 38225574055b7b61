"""Use case: the referral-deadline watch (部门转交逾期). Claims the open referrals whose department
deadline has passed (a batch at a time, through the due index of `case_referrals`) and lets each case
decide in its own write: `case-referral-overdue`, once per referral and deadline.

The mechanism is the deadline watch's (`kite_common.schedule`): the case aggregate records the
overdue referral only for a deadline not yet recorded, and its write is appended at the version it
was read at, so two replicas write it once; claims are leases, so a replica that died mid-batch only
delays the referrals it held, and one that was down when a deadline passed finds it still due.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from kite_common.commands import command
from kite_common.runtime import ServiceRuntime
from kite_common.schedule import DueSchedule, claim_due
from kite_common.unit_of_work import UnitOfWork

from kite_casework.domain.case import Case

log = logging.getLogger(__name__)

REFERRAL_DEADLINES = DueSchedule("case_referrals", "referral_id", ("case_id",))
LEASE = REFERRAL_DEADLINES.lease


@dataclass(frozen=True)
class DueReferral:
    referral_id: uuid.UUID
    case_id: uuid.UUID


async def claim_due_referrals(runtime: ServiceRuntime, now: datetime, batch_size: int) -> list[DueReferral]:
    """Lease up to `batch_size` overdue, unannounced referrals, earliest deadline first."""
    async with runtime.pool.acquire() as conn:
        rows = await claim_due(conn, REFERRAL_DEADLINES, now, batch_size)
    return [DueReferral(r["referral_id"], r["case_id"]) for r in rows]


@command
async def watch_referral_deadline(uow: UnitOfWork, due: DueReferral, now: datetime) -> int:
    """One referral's decision at `now`; returns the number of events written."""
    async with uow:
        case = await uow.get(Case, due.case_id)
        decided = case.watch_referral(due.referral_id, now)
        if decided:
            await uow.save(case)
        else:
            # The schedule was behind the case (only after a hand edit or a lost write): bring the
            # row in line with the stream so it is not claimed again.
            log.warning("referral watch: schedule of referral %s was stale; settled", due.referral_id)
            referral = case.referrals.get(due.referral_id)
            await uow.conn.execute(
                """UPDATE case_referrals SET state = $2, overdue_for = $3, leased_until = NULL
                   WHERE referral_id = $1""",
                due.referral_id,
                referral.state if referral else "withdrawn",
                referral.overdue_for if referral else None,
            )
    return len(decided)


async def watch_referrals_once(runtime: ServiceRuntime, now: datetime, batch_size: int) -> tuple[int, int]:
    """One batch: (referrals claimed, events written)."""
    claimed = await claim_due_referrals(runtime, now, batch_size)
    written = 0
    for due in claimed:
        try:
            written += await watch_referral_deadline(runtime.unit_of_work(), due, now)
        except Exception:  # one referral's failure must not stop the others; its lease runs out
            log.exception("referral watch: referral %s failed", due.referral_id)
    return len(claimed), written
