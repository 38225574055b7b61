"""Background worker: sends due broadcasts, a batch per transaction, until each is done or cancelled.

A broadcast is leased to one worker at a time; the lease is renewed with every batch, and a worker
that stops (or dies) leaves the cursor where its last committed batch put it, so the next one
resumes there. Members are read a batch at a time in (origin, member_id) order: never the whole
audience in memory, never a transaction per member.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from kite_common.clock import utcnow
from kite_common.runtime import ServiceRuntime

from kite_notify.adapters import broadcast_store
from kite_notify.application.broadcasts import send_batch

log = logging.getLogger(__name__)

POLL_INTERVAL_S = 0.5
LEASE_S = 120.0


async def fan_out_broadcasts(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    """The notify service's broadcast worker (ServiceDefinition.workers)."""
    while not stop.is_set():
        broadcast_id = None
        try:
            broadcast_id = await broadcast_store.claim_due(runtime.pool, LEASE_S)
            if broadcast_id is not None:
                while not stop.is_set():
                    if await send_batch(runtime.unit_of_work(), broadcast_id, utcnow()):
                        break
                    await broadcast_store.extend(runtime.pool, broadcast_id, LEASE_S)
        except Exception:  # a later claim resumes at the cursor
            log.exception("broadcast %s: fan-out failed", broadcast_id)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), POLL_INTERVAL_S)
        finally:
            if broadcast_id is not None:
                with contextlib.suppress(Exception):
                    await broadcast_store.release(runtime.pool, broadcast_id)
        if broadcast_id is None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), POLL_INTERVAL_S)
