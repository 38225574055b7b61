"""The monthly party dues reminder, a background worker of the consume role: every
KITE_ROSTER_DUES_REMINDER_CHECK_INTERVAL_S, from the month's KITE_ROSTER_DUES_REMINDER_DAY
(Asia/Shanghai) on, a reminder to each party member who has not paid the month (see
application/dues_reminders.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from kite_common.clock import utcnow
from kite_common.runtime import ServiceRuntime
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from kite_roster.party.application.dues_reminders import send_dues_reminders

log = logging.getLogger(__name__)


class DuesReminderSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KITE_ROSTER_DUES_REMINDER_", extra="ignore")

    day: int = Field(default=20, ge=1, le=28, description="每月几日提醒未交党费的党员（北京时间）")
    check_interval_s: float = Field(default=3600.0, gt=0)
    batch_size: int = Field(default=500, ge=1, le=10_000)


async def run_dues_reminders_once(
    runtime: ServiceRuntime, *, now: datetime | None = None, settings: DuesReminderSettings | None = None
) -> int | None:
    """One pass at `now`: the number of reminders written, None when another replica is running it."""
    settings = settings or DuesReminderSettings()
    return await send_dues_reminders(
        runtime, now=now or utcnow(), reminder_day=settings.day, batch_size=settings.batch_size
    )


async def dues_reminder_worker(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    settings = DuesReminderSettings()
    while not stop.is_set():
        written = await run_dues_reminders_once(runtime, settings=settings)
        if written:
            log.info("dues reminders: %d written", written)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), settings.check_interval_s)
