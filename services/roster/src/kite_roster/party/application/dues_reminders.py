"""Use case: on the month's reminder day (Asia/Shanghai), a `party-dues-reminder-due` to each party
member in normal status who has not paid that month's dues, exactly once per member and month.

Safe with several replicas: a session advisory lock lets one pass run at a time (the others return
at once). Members are read a page at a time by member_id (keyset) from the read model, leaving out
those who paid (dues_payments) or were already reminded (dues_reminders); each page is written in
one transaction, each member in a unit of work joined to it, decided on its stream: a payment or a
reminder recorded meanwhile wins (the aggregate then returns nothing).

The month's pass keeps its place in dues_reminder_passes, moved in each page's transaction: a pass
that stopped (a crash, a deploy) resumes after the last page it committed, and once a pass has read
the whole month it is marked done and later checks that month read nothing. So a member who becomes a
party member in normal status after the month's pass has finished is reminded from the next month on.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from kite_common.commands import command
from kite_common.runtime import ServiceRuntime
from kite_common.unit_of_work import UnitOfWork

from kite_roster.party.application.party_common import today
from kite_roster.party.domain.party import PartyMember, month_of

# pg_advisory_lock key of the dues reminder pass ("kite" + 0x0301).
DUES_REMINDER_LOCK = 0x6B6974650301


def reminder_month(local_day: date, reminder_day: int) -> str | None:
    """The month to remind of on `local_day`: the current month from its reminder day on, else None."""
    return month_of(local_day) if local_day.day >= reminder_day else None


@command
async def remind_member_dues(uow: UnitOfWork, member_id: uuid.UUID, month: str, due_on: date) -> bool:
    """Whether a reminder was written now."""
    async with uow:
        party = await uow.get(PartyMember, member_id)
        if not party.remind_dues(month, due_on):
            return False
        await uow.save(party)
    return True


async def send_dues_reminders(
    runtime: ServiceRuntime, *, now: datetime, reminder_day: int = 20, batch_size: int = 500
) -> int | None:
    """The number of reminders written; None when another replica holds the pass."""
    local_day = today(now)
    month = reminder_month(local_day, reminder_day)
    if month is None:
        return 0
    written = 0
    async with runtime.pool.acquire() as conn:
        if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", DUES_REMINDER_LOCK):
            return None
        try:
            await conn.execute(
                "INSERT INTO dues_reminder_passes (month) VALUES ($1) ON CONFLICT (month) DO NOTHING", month
            )
            place = await conn.fetchrow(
                "SELECT after_member, done_at FROM dues_reminder_passes WHERE month = $1", month
            )
            assert place is not None
            if place["done_at"] is not None:  # this month is done: nothing to read
                return 0
            after: uuid.UUID | None = place["after_member"]
            while True:
                args: list[Any] = [month, batch_size]
                keyset = ""
                if after is not None:
                    args.append(after)
                    keyset = "AND p.member_id > $3"
                rows = await conn.fetch(
                    f"""SELECT p.member_id FROM party_members p
                        WHERE p.status = 'normal' {keyset}
                          AND NOT EXISTS (SELECT 1 FROM dues_payments d
                                          WHERE d.member_id = p.member_id AND d.month = $1)
                          AND NOT EXISTS (SELECT 1 FROM dues_reminders r
                                          WHERE r.member_id = p.member_id AND r.month = $1)
                        ORDER BY p.member_id LIMIT $2""",
                    *args,
                )
                if not rows:
                    break
                async with conn.transaction():
                    for row in rows:
                        uow = runtime.joining(conn)
                        if await remind_member_dues(uow, row["member_id"], month, local_day):
                            written += 1
                    after = rows[-1]["member_id"]
                    await conn.execute(
                        "UPDATE dues_reminder_passes SET after_member = $2 WHERE month = $1", month, after
                    )
                if len(rows) < batch_size:
                    break
            await conn.execute("UPDATE dues_reminder_passes SET done_at = $2 WHERE month = $1", month, now)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", DUES_REMINDER_LOCK)
    return written
