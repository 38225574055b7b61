"""The deadline watch, a background worker of the consume role: claims due clocks in batches and lets
each case decide (application/watch_deadlines.py). Runs on every consume replica; they share the work.
KITE_CASEWORK_SLA_WATCH_ENABLED=false leaves it off on a replica."""

from __future__ import annotations

import asyncio
from datetime import datetime

from kite_common.runtime import ServiceRuntime
from kite_common.schedule import watch_loop

from kite_casework.application.watch_deadlines import watch_deadlines_once
from kite_casework.sla_settings import SlaSettings


async def deadline_watch_worker(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    settings = SlaSettings()
    if not settings.watch_enabled:
        return

    async def one_pass(now: datetime) -> tuple[int, int]:
        return await watch_deadlines_once(runtime, now, settings.batch_size)

    await watch_loop("deadline watch", stop, one_pass, settings.batch_size, settings.poll_interval_s)
