"""Background worker: delivers pending webhook notifications, retrying with exponential backoff.

Each claimed delivery is tried up to `KITE_WEBHOOK_MAX_ATTEMPTS` times in all (attempts survive a
restart); the outcome is stored as `notification-delivered` or `notification-delivery-failed` in the
transaction that removes the delivery from the queue. Until then nothing is lost: a worker that
stops gives its leases back, one that crashes lets them expire. Delivery is at least once (a crash
between the receiver's 2xx and the commit repeats it): receivers dedupe on X-Kite-Event-Id.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging

import httpx
from kite_common.http.outbound import AddressGuard
from kite_common.runtime import ServiceRuntime
from kite_common.settings import WebhookSettings
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt

from kite_notify.adapters import delivery_queue
from kite_notify.adapters.channels.webhook import DeliveryError, WebhookChannel
from kite_notify.adapters.delivery_queue import Claimed
from kite_notify.application.record_webhook_outcome import record_webhook_delivered, record_webhook_failed
from kite_notify.domain.backoff import backoff_delay, total_retry_window

log = logging.getLogger(__name__)

POLL_INTERVAL_S = 0.25
CONCURRENCY = 50
LEASE_MARGIN_S = 30.0
SUBSCRIPTION_REMOVED = "订阅已删除，未投递"


class Stopped(Exception):
    """The worker is stopping: give the delivery back rather than wait out its backoff."""


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> bool:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()


class WebhookDeliverer:
    def __init__(
        self, runtime: ServiceRuntime, client: httpx.AsyncClient, settings: WebhookSettings, secret: str
    ) -> None:
        self.runtime, self.client, self.settings, self.secret = runtime, client, settings, secret
        self.guard = AddressGuard.of(settings.allowed_networks)
        self.pool = runtime.pool
        self.lease_s = total_retry_window(settings.max_attempts, settings.backoff_initial_s, settings.timeout_s)
        self.lease_s += LEASE_MARGIN_S

    async def run(self, stop: asyncio.Event) -> None:
        running: set[asyncio.Task[None]] = set()
        try:
            while not stop.is_set():
                free = CONCURRENCY - len(running)
                claimed = await delivery_queue.claim(self.pool, free, self.lease_s) if free else []
                for d in claimed:
                    task = asyncio.create_task(self._guarded(d, stop))
                    running.add(task)
                    task.add_done_callback(running.discard)
                if not claimed:
                    await _sleep_or_stop(stop, POLL_INTERVAL_S)
        finally:
            await asyncio.gather(*running, return_exceptions=True)

    async def _guarded(self, d: Claimed, stop: asyncio.Event) -> None:
        try:
            await self.deliver(d, stop)
        except Exception:  # the lease expires and another try resumes it
            log.exception("webhook delivery of %s to %s failed unexpectedly", d.notification_id, d.subscription_id)

    async def deliver(self, d: Claimed, stop: asyncio.Event) -> None:
        if d.url is None:
            await self._fail(d, d.attempts, SUBSCRIPTION_REMOVED)
            return
        remaining = self.settings.max_attempts - d.attempts
        if remaining <= 0:
            await self._fail(d, d.attempts, "已达最大尝试次数")
            return
        channel = WebhookChannel(self.client, d.url, self.secret, guard=self.guard)
        attempt_no = d.attempts

        async def once() -> None:
            nonlocal attempt_no
            attempt_no += 1
            await self._try_once(channel, d, attempt_no)

        retrying = AsyncRetrying(
            stop=stop_after_attempt(remaining),
            wait=functools.partial(self._wait, d),
            sleep=functools.partial(self._sleep, stop),
            retry=retry_if_exception_type(DeliveryError),
            reraise=True,
        )
        try:
            await retrying(once)
        except DeliveryError as exc:
            await self._fail(d, attempt_no, str(exc))
            return
        except Stopped:
            await delivery_queue.release(self.pool, d)
            return
        await record_webhook_delivered(self.runtime.unit_of_work(), d, attempt_no)

    async def _try_once(self, channel: WebhookChannel, d: Claimed, attempt_no: int) -> None:
        try:
            await channel.deliver(d.message)
        except DeliveryError as exc:
            log.warning(
                "webhook delivery of %s, attempt %d/%d: %s",
                d.notification_id,
                attempt_no,
                self.settings.max_attempts,
                exc,
            )
            retry_in = backoff_delay(attempt_no, self.settings.backoff_initial_s)
            await delivery_queue.record_failed_attempt(self.pool, d, attempt_no, str(exc), retry_in)
            raise

    def _wait(self, d: Claimed, state: RetryCallState) -> float:
        return backoff_delay(d.attempts + state.attempt_number, self.settings.backoff_initial_s)

    async def _sleep(self, stop: asyncio.Event, seconds: float) -> None:
        if await _sleep_or_stop(stop, seconds):
            raise Stopped

    async def _fail(self, d: Claimed, attempt_no: int, error: str) -> None:
        await record_webhook_failed(self.runtime.unit_of_work(), d, attempt_no, error)


async def deliver_webhooks(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    """The notify service's background worker (ServiceDefinition.workers)."""
    settings = WebhookSettings()
    if settings.signing_secret is None:
        log.error("KITE_WEBHOOK_SIGNING_SECRET is not set: webhook deliveries stay queued until it is")
        await stop.wait()
        return
    async with httpx.AsyncClient(timeout=settings.timeout_s, follow_redirects=False) as client:
        deliverer = WebhookDeliverer(runtime, client, settings, settings.signing_secret.get_secret_value())
        await deliverer.run(stop)
