"""The deadline watch, a background worker of the consume role: claims due clocks in batches and lets
each case decide (application/watch_deadlines.py). Runs on every consume replica; they share the work.
KITE_CASEWORK_SLA_WATCH_ENABLED=false leaves it off on a replica."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from kite_common.clock import utcnow
from kite_common.runtime import ServiceRuntime

from kite_casework.application.watch_deadlines import watch_deadlines_once
from kite_casework.sla_settings import SlaSettings

log = logging.getLogger(__name__)


async def deadline_watch_worker(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    settings = SlaSettings()
    if not settings.watch_enabled:
        return
    while not stop.is_set():
        try:
            claimed, written = await watch_deadlines_once(runtime, utcnow(), settings.batch_size)
        except Exception:  # the database may be away for a moment: try again after the interval
            log.exception("deadline watch: pass failed")
            claimed, written = 0, 0
        if written:
            log.info("deadline watch: %d events for %d cases", written, claimed)
        if claimed < settings.batch_size:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), settings.poll_interval_s)
