"""Consumer runner: at-least-once delivery from Kafka, exactly-once effects through the inbox.

For each message: in one database transaction, record (consumer, source, id) in the inbox and run
the handler; a message already in the inbox is skipped. Offsets are committed only after the
database commit. A message that cannot be parsed, or whose handler fails `max_attempts` times, goes
to `<topic>.dlq` with the error in its headers, and consumption goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import traceback
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord
from opentelemetry import trace

from kite_common.db.types import Connection
from kite_common.messaging.cloudevents_kafka import MalformedMessage, ReceivedEvent, decode, topic_for
from kite_common.messaging.producer import client_options, create_producer
from kite_common.settings import ConsumerSettings, KafkaSettings
from kite_common.tracing_context import attached

log = logging.getLogger(__name__)
tracer = trace.get_tracer("kite.consumer")

EventHandler = Callable[[Connection, ReceivedEvent], Awaitable[None]]


@dataclass(frozen=True)
class ConsumerSpec:
    """A consumer group of a service: `purpose` names it, `sources` are the services it reads."""

    purpose: str
    sources: Sequence[str]
    handler: EventHandler


class ConsumerRunner:
    def __init__(
        self,
        service: str,
        spec: ConsumerSpec,
        pool: asyncpg.Pool,
        kafka: KafkaSettings | None = None,
        settings: ConsumerSettings | None = None,
    ) -> None:
        self.service = service
        self.spec = spec
        self.pool = pool
        self.kafka = kafka or KafkaSettings()
        self.settings = settings or ConsumerSettings()
        self.name = f"{service}.{spec.purpose}"
        self.group_id = f"{self.kafka.topic_prefix}{self.name}"
        self.topics = [topic_for(s, self.kafka.topic_prefix) for s in spec.sources]
        self.handled = 0
        self.dead_lettered = 0
        self._dlq: AIOKafkaProducer | None = None

    async def run(self, stop: asyncio.Event) -> None:
        consumer = AIOKafkaConsumer(
            *self.topics,
            **client_options(self.kafka),
            group_id=self.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=self.settings.batch_size,
        )
        await consumer.start()
        self._dlq = await create_producer(self.kafka)
        try:
            while not stop.is_set():
                batches = await consumer.getmany(timeout_ms=500, max_records=self.settings.batch_size)
                for records in batches.values():
                    for record in records:
                        await self.handle(record)
                if batches:
                    await self.commit_offsets(consumer)
        finally:
            with contextlib.suppress(Exception):
                await self._dlq.stop()
            with contextlib.suppress(Exception):
                await consumer.stop()

    async def commit_offsets(self, consumer: AIOKafkaConsumer) -> None:
        await consumer.commit()

    async def handle(self, record: ConsumerRecord) -> None:
        try:
            event = decode(record.value, record.headers, record.topic, record.partition, record.offset)
        except MalformedMessage as exc:
            await self.dead_letter(record, exc, attempts=1)
            return
        last_error: BaseException | None = None
        for attempt in range(1, self.settings.max_attempts + 1):
            try:
                await self._handle_once(event)
                return
            except Exception as exc:
                last_error = exc
                log.warning(
                    "consumer %s failed on %s (attempt %d/%d): %s",
                    self.name,
                    event.envelope.id,
                    attempt,
                    self.settings.max_attempts,
                    exc,
                )
                await asyncio.sleep(self.settings.retry_backoff_s * attempt)
        assert last_error is not None
        await self.dead_letter(record, last_error, attempts=self.settings.max_attempts)

    async def _handle_once(self, event: ReceivedEvent) -> None:
        env = event.envelope
        with (
            attached(env.traceparent),
            tracer.start_as_current_span(
                f"consume {event.topic}",
                kind=trace.SpanKind.CONSUMER,
                attributes={
                    "messaging.system": "kafka",
                    "messaging.destination.name": event.topic,
                    "messaging.consumer.group.name": self.group_id,
                    "messaging.message.id": str(env.id),
                    "cloudevents.event_type": env.type,
                },
            ),
        ):
            async with self.pool.acquire() as conn, conn.transaction():
                first_time = await conn.fetchval(
                    """INSERT INTO inbox (consumer, source, event_id) VALUES ($1, $2, $3)
                       ON CONFLICT DO NOTHING RETURNING true""",
                    self.name,
                    env.source,
                    str(env.id),
                )
                if not first_time:
                    return
                await self.spec.handler(conn, event)
        self.handled += 1

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
