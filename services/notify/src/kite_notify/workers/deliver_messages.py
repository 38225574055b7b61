"""Background worker: sends pending email and SMS deliveries through their channels.

Each channel's deliveries are claimed in small batches under a lease (the next claimed while the last
is being sent) and sent no faster than the channel's configured rate. A technical error (the provider
unreachable, an answer it should not give) is tried again with exponential backoff up to
`KITE_NOTIFY_MAX_ATTEMPTS` attempts in all (kept in the database, so a restart neither resets nor
repeats them), then recorded as technical-failure; a permanent or temporary failure the provider
reports is recorded at once. The status and the removal from the queue commit together. A channel
that is not configured leaves its deliveries queued until it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import httpx
from kite_common.http.outbound import AddressGuard
from kite_common.privacy import FieldProtector
from kite_common.runtime import ServiceRuntime
from kite_common.settings import WebhookSettings

from kite_notify.adapters import outbound_queue
from kite_notify.adapters.channel_settings import (
    AliyunSmsSettings,
    DeliverySettings,
    SmtpSettings,
    TencentSmsSettings,
)
from kite_notify.adapters.channels.aliyun_sms import AliyunSmsChannel
from kite_notify.adapters.channels.email import EmailChannel
from kite_notify.adapters.channels.group_robot import GroupRobotChannel
from kite_notify.adapters.channels.tencent_sms import TencentSmsChannel
from kite_notify.adapters.outbound_queue import Pending
from kite_notify.application.record_delivery_status import record_delivery_status
from kite_notify.application.send_message import ADDRESS_CONTEXT
from kite_notify.domain.backoff import backoff_delay
from kite_notify.domain.delivery import (
    ChannelError,
    OutboundChannel,
    OutboundChannelAdapter,
    OutboundMessage,
    Sent,
)
from kite_notify.domain.sms_template_codes import SETTING, SmsProvider, missing_kinds

log = logging.getLogger(__name__)

POLL_INTERVAL_S = 0.25
BATCH = 50
IN_FLIGHT = 8  # sends a channel has open at once (its pace is set by the schedule, not by this)
LEASE_MARGIN_S = 30.0


class Sender:
    """One channel's adapter, paced to its rate limit."""

    def __init__(self, channel: OutboundChannelAdapter, per_second: float, lease_s: float) -> None:
        self.channel, self.interval, self.lease_s = channel, 1.0 / per_second, lease_s
        self.next_at = 0.0
        self.in_flight = asyncio.Semaphore(IN_FLIGHT)  # held for the send only, not for recording its outcome

    async def send(self, message: OutboundMessage) -> Sent:
        # Each send takes the next slot of the schedule: concurrent sends start `interval` apart.
        now = time.monotonic()
        slot = max(now, self.next_at)
        self.next_at = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)
        return await self.channel.send(message)


class MessageDeliverer:
    def __init__(
        self,
        runtime: ServiceRuntime,
        protector: FieldProtector,
        senders: dict[OutboundChannel, Sender],
        settings: DeliverySettings,
    ) -> None:
        self.runtime, self.protector, self.senders, self.settings = runtime, protector, senders, settings

    async def run(self, stop: asyncio.Event) -> None:
        await asyncio.gather(*(self._channel_loop(name, sender, stop) for name, sender in self.senders.items()))

    async def _channel_loop(self, channel: OutboundChannel, sender: Sender, stop: asyncio.Event) -> None:
        # A pipeline, not batch by batch: the next batch is claimed while the last is still being sent, and
        # no send waits for an earlier outcome to be recorded. The Sender's schedule alone sets the pace,
        # so the channel runs at its limit instead of idling at each batch's tail and claim.
        pending: set[asyncio.Task[None]] = set()
        try:
            while not stop.is_set():
                if len(pending) > BATCH:  # at most two batches claimed and not yet done
                    _, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                    continue
                try:
                    claimed = await outbound_queue.claim(self.runtime.pool, channel, BATCH, sender.lease_s)
                except Exception:
                    log.exception("claiming %s deliveries failed", channel)
                    claimed = []
                if claimed:
                    pending |= {asyncio.create_task(self._one(sender, p, stop)) for p in claimed}
                elif pending:
                    _, pending = await asyncio.wait(pending, timeout=POLL_INTERVAL_S)
                else:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), POLL_INTERVAL_S)
        finally:
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)

    async def _one(self, sender: Sender, p: Pending, stop: asyncio.Event) -> None:
        try:
            await self.deliver(sender, p, stop)
        except Exception:  # the lease expires and another claim resumes it
            log.exception("%s delivery of %s failed unexpectedly", p.channel, p.notification_id)

    async def deliver(self, sender: Sender, p: Pending, stop: asyncio.Event) -> None:
        attempt = p.attempts + 1
        message = OutboundMessage(
            p.notification_id,
            sender.channel.name,  # type: ignore[arg-type]
            self.protector.decrypt(p.address_enc, ADDRESS_CONTEXT),
            p.kind,
            p.title,
            p.body,
            p.values,
        )
        async with sender.in_flight:
            if stop.is_set():  # not sent: back to the queue for the next run
                await outbound_queue.release(self.runtime.pool, p)
                return
            outcome = await _attempt(sender, message)
        if isinstance(outcome, ChannelError):
            exc = outcome
            log.warning("%s delivery of %s, attempt %d: %s", p.channel, p.notification_id, attempt, exc)
            if exc.retry and attempt < self.settings.max_attempts:
                delay = backoff_delay(attempt, self.settings.backoff_initial_s)
                await outbound_queue.retry_later(self.runtime.pool, p, attempt, str(exc), delay)
                return
            await record_delivery_status(self.runtime.unit_of_work(), p, exc.status, attempt, str(exc), None)
            return
        await record_delivery_status(
            self.runtime.unit_of_work(), p, outcome.status, attempt, None, outcome.provider_reference
        )


async def _attempt(sender: Sender, message: OutboundMessage) -> Sent | ChannelError:
    try:
        return await sender.send(message)
    except ChannelError as exc:
        return exc


def _lease(timeout_s: float, per_second: float) -> float:
    """Long enough for two whole batches (one claimed behind the other), each send paced and timing out:
    no other worker takes them meanwhile."""
    return 2 * BATCH * (timeout_s + 1.0 / per_second) + LEASE_MARGIN_S


def _log_missing_codes(provider: SmsProvider, codes: dict[str, str]) -> None:
    missing = missing_kinds(codes)
    if missing:
        log.warning(
            "SMS (%s): no template code in %s for %s: those kinds cannot go by SMS",
            provider,
            SETTING[provider],
            ", ".join(missing),
        )


async def deliver_messages(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    """The notify service's email and SMS worker (ServiceDefinition.workers)."""
    settings, smtp, aliyun, tencent = DeliverySettings(), SmtpSettings(), AliyunSmsSettings(), TencentSmsSettings()
    try:
        protector = FieldProtector.from_settings()
    except RuntimeError:
        log.error("KITE_CRYPTO_* keys are not set: email and SMS deliveries stay queued until they are")
        await stop.wait()
        return
    async with httpx.AsyncClient(timeout=aliyun.timeout_s, follow_redirects=False) as client:
        senders: dict[OutboundChannel, Sender] = {}
        if smtp.host:
            lease = _lease(smtp.timeout_s, settings.email_per_second)
            senders["email"] = Sender(EmailChannel(smtp), settings.email_per_second, lease)
        if settings.sms_provider == "aliyun" and aliyun.configured:
            lease = _lease(aliyun.timeout_s, settings.sms_per_second)
            senders["sms"] = Sender(AliyunSmsChannel(client, aliyun), settings.sms_per_second, lease)
            _log_missing_codes("aliyun", aliyun.template_codes)
        elif settings.sms_provider == "tencent" and tencent.configured:
            lease = _lease(tencent.timeout_s, settings.sms_per_second)
            senders["sms"] = Sender(TencentSmsChannel(client, tencent), settings.sms_per_second, lease)
            _log_missing_codes("tencent", tencent.template_ids)
        # Group robots need no account: each robot's URL and secret travel sealed with its messages.
        guard = AddressGuard.of(WebhookSettings().allowed_networks)
        robots = GroupRobotChannel(client, guard, timeout_s=settings.robot_timeout_s)
        lease = _lease(settings.robot_timeout_s, settings.robot_per_second)
        senders["robot"] = Sender(robots, settings.robot_per_second, lease)
        await MessageDeliverer(runtime, protector, senders, settings).run(stop)
