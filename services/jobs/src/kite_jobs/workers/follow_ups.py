"""The retention follow-up schedule, a background worker of the consume role: every
KITE_JOBS_FOLLOW_UP_CHECK_INTERVAL_S it marks due (placement-follow-up-due, for the HR station of the
member's home) the 1-, 3- and 6-month follow-ups whose day has come.

Safe with several replicas: a session advisory lock lets one run at a time. Due placements are read a
page at a time by the `placements_next_follow_up` index; each is decided on its own stream."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import date
from typing import Any

from kite_common.clock import utcnow
from kite_common.runtime import ServiceRuntime
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from kite_jobs.application.retention import mark_follow_ups_due

log = logging.getLogger(__name__)

# pg_advisory_lock key of the follow-up schedule ("kite" + 0x0301).
FOLLOW_UP_LOCK = 0x6B6974650301


class FollowUpSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KITE_JOBS_FOLLOW_UP_", extra="ignore")

    check_interval_s: float = Field(default=3600.0, gt=0)
    batch_size: int = Field(default=500, ge=1, le=10_000)


async def run_follow_up_schedule_once(runtime: ServiceRuntime, today: date, batch_size: int = 500) -> int | None:
    """Follow-ups marked due at `today`; None when another replica holds the schedule."""
    marked = 0
    async with runtime.pool.acquire() as conn:
        if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", FOLLOW_UP_LOCK):
            return None
        try:
            after: tuple[date, uuid.UUID] | None = None
            while True:
                args: list[Any] = [today, batch_size]
                keyset = ""
                if after is not None:
                    args += list(after)
                    keyset = "AND (next_follow_up_on, placement_id) > ($3, $4)"
                rows = await conn.fetch(
                    f"""SELECT placement_id, next_follow_up_on FROM placements
                        WHERE left_on IS NULL AND next_follow_up_on IS NOT NULL AND next_follow_up_on <= $1 {keyset}
                        ORDER BY next_follow_up_on, placement_id LIMIT $2""",
                    *args,
                )
                if not rows:
                    break
                async with conn.transaction():
                    for row in rows:
                        marked += await mark_follow_ups_due(runtime.joining(conn), row["placement_id"], today)
                after = (rows[-1]["next_follow_up_on"], rows[-1]["placement_id"])
                if len(rows) < batch_size:
                    break
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", FOLLOW_UP_LOCK)
    return marked


async def follow_up_worker(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    settings = FollowUpSettings()
    while not stop.is_set():
        marked = await run_follow_up_schedule_once(runtime, utcnow().date(), settings.batch_size)
        if marked:
            log.info("follow-up schedule: %d follow-ups due", marked)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), settings.check_interval_s)
