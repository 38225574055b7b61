"""Use case: mark as lost (失联) the active members nobody has reached for longer than the quiet
period, each with a `member-contact-lost`, at most once until a contact restores them.

Safe with several replicas: a session advisory lock lets one run at a time (the others return at
once). The due members are read a page at a time from the read model; each page is written in one
transaction, each member in a unit of work joined to it (a savepoint), decided on its stream as it
is: a contact recorded meanwhile wins (saving at the version read is then a conflict, and the member
is decided again on the fresh stream, which leaves them alone).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from kite_common.commands import command
from kite_common.runtime import ServiceRuntime
from kite_common.unit_of_work import UnitOfWork

from kite_roster.members.domain.member import Member

# pg_advisory_lock key of the contact check ("kite" + 0x0201).
CONTACT_CHECK_LOCK = 0x6B6974650201

_DUE = "greatest(last_contact_at, registered_at)"  # exactly the members_contact_due index expression


@command
async def mark_member_lost(
    uow: UnitOfWork, member_id: uuid.UUID, registered_at: datetime, now: datetime, quiet_period: timedelta
) -> bool:
    """Whether the member was marked lost now."""
    async with uow:
        member = await uow.get(Member, member_id)
        if not member.mark_lost(now, quiet_period, registered_at):
            return False
        await uow.save(member)
    return True


async def mark_lost_members(
    runtime: ServiceRuntime, *, now: datetime, quiet_period: timedelta, batch_size: int = 500
) -> int | None:
    """The number of members marked lost; None when another replica holds the check."""
    cutoff = now - quiet_period
    marked = 0
    async with runtime.pool.acquire() as conn:
        if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", CONTACT_CHECK_LOCK):
            return None
        try:
            after: tuple[datetime, uuid.UUID] | None = None
            while True:
                args: list[Any] = [cutoff, batch_size]
                keyset = ""
                if after is not None:
                    args += list(after)
                    keyset = f"AND ({_DUE}, member_id) > ($3, $4)"
                rows = await conn.fetch(
                    f"""SELECT member_id, registered_at, {_DUE} AS due FROM members
                        WHERE status = 'active' AND contact_status = 'in-contact' AND {_DUE} < $1 {keyset}
                        ORDER BY {_DUE}, member_id LIMIT $2""",
                    *args,
                )
                if not rows:
                    break
                async with conn.transaction():
                    for row in rows:
                        uow = runtime.joining(conn)
                        if await mark_member_lost(uow, row["member_id"], row["registered_at"], now, quiet_period):
                            marked += 1
                after = (rows[-1]["due"], rows[-1]["member_id"])
                if len(rows) < batch_size:
                    break
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", CONTACT_CHECK_LOCK)
    return marked
