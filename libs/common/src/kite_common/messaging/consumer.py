"""Consumer runner: at-least-once delivery from Kafka, exactly-once effects through the inbox.

For each message: in one database transaction, record (consumer, source, id) in the inbox and run
the handler; a message already in the inbox is skipped. The handler gets a unit of work joined to
that transaction, so what it writes — with SQL on `uow.conn`, or by sending a command through the
same application function an HTTP route calls — commits with the inbox record or not at all.
Offsets are committed only after the database commit. A message that cannot be parsed, or whose
handler fails `max_attempts` times, goes to `<topic>.dlq` with the error in its headers, and
consumption goes on. A transient failure (the database unreachable or restarting, a lock or
statement timeout, a deadlock: `kite_common.db.errors.is_transient`) is not the message's fault: it
is retried with a growing pause for as long as it takes, logged and counted
(`kite_consumer_transient_retries_total`), and never sends a good event to the DLQ.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import traceback
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord
from opentelemetry import trace
from prometheus_client import Counter

from kite_common.db.errors import is_transient
from kite_common.db.types import Connection
from kite_common.messaging.cloudevents_kafka import MalformedMessage, ReceivedEvent, decode, topic_for
from kite_common.messaging.producer import client_options, create_producer
from kite_common.observability import spans_exported
from kite_common.runtime import ServiceRuntime
from kite_common.settings import ConsumerSettings
from kite_common.tracing_context import attached, span_context_of
from kite_common.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
tracer = trace.get_tracer("kite.consumer")
TRANSIENT_RETRIES = Counter(
    "kite_consumer_transient_retries", "Retries of a consumer after a transient failure", ["consumer"]
)


class Stopping(Exception):
    """The runner was asked to stop while it waited out a transient failure: the message stays
    unacknowledged and is delivered again (the inbox makes that harmless)."""


# Called once per new event, with a unit of work joined to the inbox transaction.
EventHandler = Callable[[UnitOfWork, ReceivedEvent], Awaitable[None]]
# Called once per batch with the new events of the batch, in order, in the same way.
BatchHandler = Callable[[UnitOfWork, Sequence[ReceivedEvent]], Awaitable[None]]


@dataclass(frozen=True)
class ConsumerSpec:
    """A consumer group of a service: `purpose` names it, `sources` are the services it reads.
    `batch_handler`, when given, is used instead of `handler` for every batch: it must have the same
    effect as `handler` on each event in turn, only with fewer statements (e.g. `MemberMirror.apply_many`).
    `handler` is still what a batch that failed is retried with, one event at a time."""

    purpose: str
    sources: Sequence[str]
    handler: EventHandler
    batch_handler: BatchHandler | None = None


class ConsumerRunner:
    def __init__(self, runtime: ServiceRuntime, spec: ConsumerSpec, settings: ConsumerSettings | None = None) -> None:
        self.runtime = runtime
        self.service = runtime.service.name
        self.spec = spec
        self.pool = runtime.pool
        self.kafka = runtime.kafka
        self.settings = settings or ConsumerSettings()
        self.name = f"{self.service}.{spec.purpose}"
        self.group_id = f"{self.kafka.topic_prefix}{self.name}"
        self.topics = [topic_for(s, self.kafka.topic_prefix) for s in spec.sources]
        self.handled = 0
        self.dead_lettered = 0
        self.transient_retries = 0
        self._dlq: AIOKafkaProducer | None = None
        self._stop = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        self._stop = stop
        consumer = AIOKafkaConsumer(
            *self.topics,
            **client_options(self.kafka),
            group_id=self.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=self.settings.batch_size,
            fetch_max_wait_ms=self.settings.fetch_max_wait_ms,
        )
        await consumer.start()
        self._dlq = await create_producer(self.kafka)
        try:
            while not stop.is_set():
                batches = await consumer.getmany(timeout_ms=500, max_records=self.settings.batch_size)
                if batches:
                    # Partitions one after the other: each keeps its order, and all share one transaction.
                    await self.handle_batch([r for records in batches.values() for r in records])
                    await self.commit_offsets(consumer)
        except Stopping:
            log.info("consumer %s stopped while waiting out a transient failure", self.name)
        finally:
            with contextlib.suppress(Exception):
                await self._dlq.stop()
            with contextlib.suppress(Exception):
                await consumer.stop()

    async def commit_offsets(self, consumer: AIOKafkaConsumer) -> None:
        await consumer.commit()

    async def handle_batch(self, records: list[ConsumerRecord]) -> None:
        """Records in order, in one transaction: the inbox checked and recorded for all of them in one
        statement, the handler run for the new ones (`ConsumerSpec.batch_handler` once, or `handler`
        per event), one commit. If any record cannot be decoded or handled, the whole transaction is
        undone and the records are taken again one at a time, each in its own transaction, so the
        poison one is retried on its own and dead-lettered (or a transient failure waited out) while
        the others are applied in order."""
        if len(records) > 1:
            try:
                self.handled += await self._apply_all(records)
                return
            except Exception as exc:
                log.info("consumer %s: batch of %d failed (%s); one at a time", self.name, len(records), exc)
        for record in records:
            await self.handle(record)

    async def _apply_all(self, records: list[ConsumerRecord]) -> int:
        events = [self._decode(record) for record in records]
        async with self.pool.acquire() as conn, conn.transaction():
            return await self._apply(conn, events)

    async def handle(self, record: ConsumerRecord, first_attempt: int = 1) -> None:
        """One record on its own transaction: a failure that repeats is retried up to max_attempts,
        then dead-lettered; a transient one is waited out (see the module docstring)."""
        try:
            event = self._decode(record)
        except MalformedMessage as exc:
            await self.dead_letter(record, exc, attempts=1)
            return
        attempt, waits = first_attempt, 0
        while True:
            try:
                async with self.pool.acquire() as conn, conn.transaction():
                    self.handled += await self._apply(conn, [event])
                return
            except Exception as exc:
                if is_transient(exc):
                    waits += 1
                    await self._wait_out(event, exc, waits)
                    continue
                log.warning(
                    "consumer %s failed on %s (attempt %d/%d): %s",
                    self.name,
                    event.envelope.id,
                    attempt,
                    self.settings.max_attempts,
                    exc,
                )
                if attempt >= self.settings.max_attempts:
                    await self.dead_letter(record, exc, self.settings.max_attempts)
                    return
                await asyncio.sleep(self.settings.retry_backoff_s * attempt)
                attempt += 1

    async def _wait_out(self, event: ReceivedEvent, exc: BaseException, waits: int) -> None:
        self.transient_retries += 1
        TRANSIENT_RETRIES.labels(self.name).inc()
        pause = min(self.settings.transient_backoff_max_s, self.settings.retry_backoff_s * 2 ** min(waits, 16))
        log.warning(
            "consumer %s: transient failure on %s (%s: %s), retry %d in %.1f s; the event is not dead-lettered",
            self.name,
            event.envelope.id,
            type(exc).__name__,
            exc,
            waits,
            pause,
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), pause)
        if self._stop.is_set():
            raise Stopping from exc

    def _decode(self, record: ConsumerRecord) -> ReceivedEvent:
        event = decode(record.value, record.headers, record.topic, record.partition, record.offset)
        return dataclasses.replace(event, topic_prefix=self.kafka.topic_prefix)

    async def _apply(self, conn: Connection, events: list[ReceivedEvent]) -> int:
        """Records the events in the inbox and runs the handler for those not handled before, in the
        caller's transaction, in order. Returns how many were handled now."""
        first: dict[tuple[str, str], ReceivedEvent] = {}
        for event in events:  # the same event twice in one batch (a redelivery) is handled once
            first.setdefault((event.envelope.source, str(event.envelope.id)), event)
        keys = list(first)
        recorded = await conn.fetch(
            """INSERT INTO inbox (consumer, source, event_id)
               SELECT $1, s, e FROM unnest($2::text[], $3::text[]) AS t(s, e)
               ON CONFLICT DO NOTHING RETURNING source, event_id""",
            self.name,
            [k[0] for k in keys],
            [k[1] for k in keys],
        )
        if not recorded:
            return 0
        new_keys = {(r[0], r[1]) for r in recorded}
        fresh = [event for key, event in first.items() if key in new_keys]
        if self.spec.batch_handler is not None:
            with self._span(fresh[0], links=fresh[1:]):
                await self.spec.batch_handler(self.runtime.joining(conn), fresh)
        else:
            for event in fresh:
                with self._span(event):
                    await self.spec.handler(self.runtime.joining(conn), event)
        return len(fresh)

    @contextlib.contextmanager
    def _span(self, event: ReceivedEvent, links: Sequence[ReceivedEvent] = ()) -> Iterator[None]:
        """The consumer span of an event, a child of its producer's trace (a batch handler's span is
        the first event's child and links the others)."""
        env = event.envelope
        with attached(env.traceparent):
            span_links = (
                [trace.Link(ctx) for e in links if (ctx := span_context_of(e.envelope.traceparent))]
                if links and spans_exported()
                else []
            )
            with tracer.start_as_current_span(
                f"consume {event.topic}",
                kind=trace.SpanKind.CONSUMER,
                links=span_links,
                attributes={
                    "messaging.system": "kafka",
                    "messaging.destination.name": event.topic,
                    "messaging.consumer.group.name": self.group_id,
                    "messaging.message.id": str(env.id),
                    "messaging.batch.message_count": 1 + len(links),
                    "cloudevents.event_type": env.type,
                },
            ):
                yield

    async def dead_letter(self, record: ConsumerRecord, error: BaseException, attempts: int) -> None:
        assert self._dlq is not None
        headers = [
            *list(record.headers or ()),
            ("kite_error", str(error)[:2000].encode()),
            ("kite_error_type", type(error).__name__.encode()),
            ("kite_error_trace", "".join(traceback.format_exception(error))[-4000:].encode()),
            ("kite_consumer", self.name.encode()),
            ("kite_attempts", str(attempts).encode()),
            ("kite_original_topic", record.topic.encode()),
            ("kite_original_partition", str(record.partition).encode()),
            ("kite_original_offset", str(record.offset).encode()),
        ]
        await self._dlq.send_and_wait(f"{record.topic}.dlq", value=record.value, key=record.key, headers=headers)
        self.dead_lettered += 1
        log.error(
            "consumer %s sent %s:%d@%d to the DLQ: %s", self.name, record.topic, record.partition, record.offset, error
        )
