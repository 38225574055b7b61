"""The scheduled contact check, a background worker of the consume role: every
KITE_ROSTER_CONTACT_CHECK_INTERVAL_S it marks lost the members not reached for
KITE_ROSTER_CONTACT_QUIET_DAYS (see application/contact_check.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from kite_common.clock import utcnow
from kite_common.runtime import ServiceRuntime
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from kite_roster.members.application.contact_check import mark_lost_members

log = logging.getLogger(__name__)


class ContactCheckSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KITE_ROSTER_CONTACT_", extra="ignore")

    quiet_days: int = Field(default=180, ge=1, description="失联判定：多少天无联系")
    check_interval_s: float = Field(default=3600.0, gt=0)
    batch_size: int = Field(default=500, ge=1, le=10_000)


async def run_contact_check_once(
    runtime: ServiceRuntime, *, now: datetime | None = None, settings: ContactCheckSettings | None = None
) -> int | None:
    """One pass of the check at `now`: the number of members marked lost, None when another replica
    is running it."""
    settings = settings or ContactCheckSettings()
    return await mark_lost_members(
        runtime,
        now=now or utcnow(),
        quiet_period=timedelta(days=settings.quiet_days),
        batch_size=settings.batch_size,
    )


async def contact_check_worker(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    settings = ContactCheckSettings()
    while not stop.is_set():
        marked = await run_contact_check_once(runtime, settings=settings)
        if marked:
            log.info("contact check: %d members marked lost", marked)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), settings.check_interval_s)
