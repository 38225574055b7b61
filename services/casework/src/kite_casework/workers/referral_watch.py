"""The referral-deadline watch, a background worker of the consume role beside the deadline watch:
claims overdue referrals in batches and lets each case decide (application/watch_referrals.py). Runs
on every consume replica; KITE_CASEWORK_SLA_WATCH_ENABLED=false leaves both watches off on a replica,
and they share its poll interval and batch size."""

from __future__ import annotations

import asyncio
from datetime import datetime

from kite_common.runtime import ServiceRuntime
from kite_common.schedule import watch_loop

from kite_casework.application.watch_referrals import watch_referrals_once
from kite_casework.sla_settings import SlaSettings


async def referral_watch_worker(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    settings = SlaSettings()
    if not settings.watch_enabled:
        return

    async def one_pass(now: datetime) -> tuple[int, int]:
        return await watch_referrals_once(runtime, now, settings.batch_size)

    await watch_loop("referral watch", stop, one_pass, settings.batch_size, settings.poll_interval_s)
