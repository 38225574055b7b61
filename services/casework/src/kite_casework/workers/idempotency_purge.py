"""The idempotency-key purge, a background worker of the consume role: every
KITE_CASEWORK_IDEMPOTENCY_PURGE_INTERVAL_S (default an hour) it deletes the keys older than the
retention (KITE_CASEWORK_IDEMPOTENCY_KEY_RETENTION_HOURS, default 7 days), a batch per transaction,
straight on while batches come back full. Replicas may run it together: they skip each other's rows.
An expired key is already ignored by intake; the purge only keeps the table small."""

from __future__ import annotations

import asyncio
from datetime import datetime

from kite_common.runtime import ServiceRuntime
from kite_common.schedule import watch_loop

from kite_casework.application.take_in_case import purge_expired_keys
from kite_casework.settings import CaseworkSettings


async def idempotency_purge_worker(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    settings = CaseworkSettings()
    batch = settings.idempotency_purge_batch_size

    async def one_pass(now: datetime) -> tuple[int, int]:
        async with runtime.pool.acquire() as conn:
            deleted = await purge_expired_keys(conn, now, settings.idempotency_key_retention, batch)
        return deleted, 0

    await watch_loop("idempotency-key purge", stop, one_pass, batch, settings.idempotency_purge_interval_s)
