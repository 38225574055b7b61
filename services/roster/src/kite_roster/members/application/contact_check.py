"""Use case: mark as lost (失联) the active members nobody has reached for longer than the quiet
period, each with a `member-contact-lost`, at most once until a contact restores them.

Safe with several replicas: a session advisory lock lets one run at a time (the others return at
once), and each mark is appended at the version the member's stream had when it was read, so a
contact recorded meanwhile wins and that member is left alone.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from kite_common.eventstore import ConcurrencyConflict, PostgresEventStore
from kite_common.runtime import ServiceRuntime
from kite_common.unit_of_work import append_events

from kite_roster.members.domain.member import Member, stream_id

# pg_advisory_lock key of the contact check ("kite" + 0x0201).
CONTACT_CHECK_LOCK = 0x6B6974650201

_DUE = "greatest(last_contact_at, registered_at)"  # exactly the members_contact_due index expression


async def mark_lost_members(
    runtime: ServiceRuntime, *, now: datetime, quiet_period: timedelta, batch_size: int = 500
) -> int | None:
    """The number of members marked lost; None when another replica holds the check."""
    registry = runtime.service.registry
    store = PostgresEventStore(registry.source)
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
                    streams = await store.read_streams(conn, [stream_id(r["member_id"]) for r in rows])
                    for row in rows:
                        sid = stream_id(row["member_id"])
                        stored = streams[sid]
                        member = Member.replay(row["member_id"], (registry.parse(e.type, e.data) for e in stored))
                        events = member.mark_lost(now, quiet_period, row["registered_at"])
                        if not events:
                            continue
                        try:
                            async with conn.transaction():
                                await append_events(
                                    conn, registry, runtime.service.projections, runtime.topic, sid, len(stored), events
                                )
                        except ConcurrencyConflict:
                            continue  # reached (or changed) meanwhile: decided again on the next run
                        marked += 1
                after = (rows[-1]["due"], rows[-1]["member_id"])
                if len(rows) < batch_size:
                    break
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", CONTACT_CHECK_LOCK)
    return marked
