"""Publishes the outbox to Kafka.

One active relay per service database: the relay holds a session advisory lock while it works, and
a standby waits for that lock. Rows go out in id order, which keeps each stream's events in order
(a stream's later events are written only after its earlier ones have committed). A row is deleted
only after the broker acknowledged it, so a broker outage or a crash loses nothing; it may publish
a row twice, which the consumers' inbox absorbs.

A broker that loses what it was sent (a local broker restarted, a topic deleted) is recovered from
the event store: the relay records its published position and, before the outbox, works through
republish requests (`kite_common.outbox.republish`, `kite republish`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError, MessageSizeTooLargeError
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.producer.message_accumulator import BatchBuilder
from opentelemetry import trace
from tenacity import AsyncRetrying, retry_if_exception_type, wait_exponential

from kite_common.db.pool import connect
from kite_common.db.types import Connection
from kite_common.eventstore.postgres import PostgresEventStore
from kite_common.messaging.cloudevents_kafka import encode
from kite_common.messaging.producer import create_producer
from kite_common.observability import spans_exported
from kite_common.outbox.republish import (
    RepublishRequest,
    advance_request,
    next_request,
    record_published_position,
)
from kite_common.settings import KafkaSettings, RelaySettings
from kite_common.tracing_context import attached, current_traceparent

log = logging.getLogger(__name__)
tracer = trace.get_tracer("kite.relay")

_RELAY_LOCK = 0x72656C6179  # "relay"
IN_FLIGHT = 4  # batches sent and not yet acknowledged, at most
_PARTITIONER = DefaultPartitioner()  # the producer's own: a key's messages keep their partition

# One round trip: delete what the broker acknowledged ($3), read the next batch (ids above the last
# read, $1: none of the deleted ones). PostgreSQL takes each row's stored headers (a JSON array of
# [name, value] pairs) apart into the names and the values as UTF-8 bytes, which asyncpg decodes
# without Python: the relay zips them into the message's headers with no per-row JSON decoding.
_READ_NEXT = """
    WITH done AS (DELETE FROM outbox WHERE id = ANY($3::bigint[]))
    SELECT o.id, o.topic, convert_to(o.key, 'UTF8') AS key, o.body, h.names, h.values
    FROM outbox o
    CROSS JOIN LATERAL (
        SELECT coalesce(array_agg(pair ->> 0 ORDER BY n), '{}') AS names,
               coalesce(array_agg(convert_to(pair ->> 1, 'UTF8') ORDER BY n), '{}') AS values
        FROM jsonb_array_elements(o.headers) WITH ORDINALITY AS stored(pair, n)
    ) h
    WHERE o.id > $1 ORDER BY o.id LIMIT $2"""


class OutboxRelay:
    def __init__(
        self,
        dsn: str,
        kafka: KafkaSettings | None = None,
        settings: RelaySettings | None = None,
    ) -> None:
        self._dsn = dsn
        self._kafka = kafka or KafkaSettings()
        self._settings = settings or RelaySettings()
        self._wake = asyncio.Event()
        self.is_leader = False
        self.published = 0
        self.republished = 0

    async def run(self, stop: asyncio.Event) -> None:
        """Run until `stop` is set: wait for leadership, then publish as rows arrive."""
        while not stop.is_set():
            try:
                await self._run_once(stop)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                self.is_leader = False
                log.warning("relay lost its database connection: %s; retrying", exc)
                await _sleep_or_stop(stop, self._settings.lock_retry_s)

    async def _run_once(self, stop: asyncio.Event) -> None:
        conn = await connect(self._dsn)
        producer: AIOKafkaProducer | None = None
        try:
            while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", _RELAY_LOCK):
                if await _sleep_or_stop(stop, self._settings.lock_retry_s):
                    return
            self.is_leader = True
            log.info("relay is the active publisher")
            await conn.add_listener("kite_outbox", self._on_notify)
            producer = await self._start_producer(stop)
            if producer is None:
                return
            while not stop.is_set():
                sent = await self._publish_with_retry(conn, producer, stop)
                if sent < self._settings.batch_size:
                    self._wake.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wait_wake_or_stop(stop), self._settings.poll_interval_s)
        finally:
            self.is_leader = False
            if producer is not None:
                await producer.stop()
            await conn.close()

    def _on_notify(self, *_: Any) -> None:
        self._wake.set()

    async def _wait_wake_or_stop(self, stop: asyncio.Event) -> None:
        wake = asyncio.create_task(self._wake.wait())
        stopped = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait({wake, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            wake.cancel()
            stopped.cancel()

    async def _start_producer(self, stop: asyncio.Event) -> AIOKafkaProducer | None:
        async for attempt in AsyncRetrying(
            retry=retry_if_exception_type((KafkaError, OSError)),
            wait=wait_exponential(multiplier=0.2, max=5),
            reraise=True,
        ):
            with attempt:
                if stop.is_set():
                    return None
                return await create_producer(self._kafka)
        return None  # pragma: no cover - AsyncRetrying either returns or raises

    async def _publish_with_retry(self, conn: Connection, producer: AIOKafkaProducer, stop: asyncio.Event) -> int:
        async for attempt in AsyncRetrying(
            retry=retry_if_exception_type((KafkaError, OSError, asyncio.TimeoutError)),
            wait=wait_exponential(multiplier=0.2, max=5),
            reraise=True,
        ):
            with attempt:
                if stop.is_set():
                    return 0
                if attempt.retry_state.attempt_number > 1:
                    log.warning("relay retrying publish (attempt %d)", attempt.retry_state.attempt_number)
                if await self.republish_batch(conn, producer):
                    return self._settings.batch_size  # more may be waiting: go round again at once
                return await self.publish_batch(conn, producer)
        return 0  # pragma: no cover

    async def republish_batch(self, conn: Connection, producer: AIOKafkaProducer) -> bool:
        """Sends the next batch of the oldest open republish request; whether there was one."""
        request = await next_request(conn)
        if request is None:
            return False
        # Fresh, not the stored one: a full batch does not record it, and what it sent may be lost too.
        until = await record_published_position(conn)
        batch = []
        if until is not None:
            batch = [
                s
                for s in await PostgresEventStore(request.source).read_all_after(
                    conn, request.after, self._settings.batch_size
                )
                if s.global_position <= until
            ]
        futures = []
        for stored in batch:
            key, body, headers = encode(stored.envelope)
            if spans_exported():
                headers = _with_producer_span(request.topic, [k for k, _ in headers], [v for _, v in headers])
            futures.append(await producer.send(request.topic, value=body, key=key, headers=headers))
        await asyncio.wait_for(asyncio.gather(*futures), timeout=30)
        done = len(batch) < self._settings.batch_size
        after = batch[-1].global_position if batch else request.after
        await advance_request(conn, request.id, after, len(batch), done)
        self.republished += len(batch)
        if done:
            _log_done(request, len(batch))
        return True

    async def publish_batch(self, conn: Connection, producer: AIOKafkaProducer) -> int:
        """Publishes what is in the outbox now, in id order, and deletes each batch once the broker
        acknowledged all of it. While a batch is handed to the producer, the next one is already
        being read (with the delete of what the broker acknowledged meanwhile), and earlier batches
        await their acknowledgements (at most IN_FLIGHT batches): neither PostgreSQL's nor the
        broker's round trip is paid per batch. The producer keeps each partition's messages in the
        order they were sent. A failure leaves every unacknowledged row in the outbox for the retry,
        which starts from the first."""
        size = self._settings.batch_size
        in_flight: deque[tuple[list[int], asyncio.Future[Any]]] = deque()
        reading: asyncio.Task[tuple[list[Any], int]] | None = None
        done: list[int] = []  # acknowledged, deleted at the end
        sent = 0
        try:
            rows, _ = await self._read_next(conn, 0, [])
            while rows:
                acknowledged: list[int] = []
                while in_flight and (len(in_flight) > IN_FLIGHT or in_flight[0][1].done()):
                    ids, acks = in_flight.popleft()
                    await asyncio.wait_for(acks, timeout=30)
                    acknowledged += ids
                if len(rows) == size:  # more may be waiting: read them while these are sent
                    reading = asyncio.create_task(self._read_next(conn, rows[-1][0], acknowledged))
                else:
                    done += acknowledged
                in_flight.append(([r[0] for r in rows], await self._send(producer, rows)))
                rows = []
                if reading is not None:
                    rows, deleted = await reading
                    reading = None
                    sent += deleted
            while in_flight:
                ids, acks = in_flight.popleft()
                await asyncio.wait_for(acks, timeout=30)
                done += ids
            if done:
                await conn.execute("DELETE FROM outbox WHERE id = ANY($1::bigint[])", done)
                self.published += len(done)
                sent += len(done)
        finally:
            if reading is not None:  # let the read finish: the connection is left with no query running
                with contextlib.suppress(BaseException):
                    sent += (await reading)[1]
            for _, acks in in_flight:  # a failed batch: the others are left to the retry
                acks.cancel()
                with contextlib.suppress(BaseException):
                    await acks
        # The outbox is (nearly) drained: a cheap moment to catch the published position up (it writes
        # only when it moved; a transaction still open at the last batch may have held it back).
        await record_published_position(conn)
        return sent

    async def _read_next(self, conn: Connection, after: int, acknowledged: list[int]) -> tuple[list[Any], int]:
        """Deletes the acknowledged rows and reads the next batch after `after`, in one round trip;
        returns the rows and how many were deleted (now published)."""
        rows = await conn.fetch(_READ_NEXT, after, self._settings.batch_size, acknowledged)
        self.published += len(acknowledged)
        return rows, len(acknowledged)

    @staticmethod
    async def _send(producer: AIOKafkaProducer, rows: list[Any]) -> asyncio.Future[Any]:
        """Hands the rows to the producer without waiting for the broker; the future of their acks.
        The rows go in record batches, one per partition, filled here in the rows' order and queued
        whole when full and at the end (the producer sends a partition's batches in the order queued):
        the partition is the one `send` would pick (the default partitioner on the key), without a
        future and an accumulator step per message."""
        futures = []
        traced = spans_exported()
        partitions: dict[str, list[int]] = {}
        batches: dict[tuple[str, int], BatchBuilder] = {}
        for _, topic, key, body, names, values in rows:
            headers = _with_producer_span(topic, names, values) if traced else list(zip(names, values, strict=True))
            known = partitions.get(topic)
            if known is None:
                known = partitions[topic] = list(await producer.partitions_for(topic))
            partition = _PARTITIONER(key, known, known)
            batch = batches.get((topic, partition))
            if batch is None:
                batch = batches[(topic, partition)] = producer.create_batch()
            if batch.append(key=key, value=body, timestamp=None, headers=headers) is None:  # full
                futures.append(await producer.send_batch(batch, topic, partition=partition))
                batch = batches[(topic, partition)] = producer.create_batch()
                if batch.append(key=key, value=body, timestamp=None, headers=headers) is None:
                    raise MessageSizeTooLargeError(f"outbox row of {len(body)} bytes does not fit a batch")
        for (topic, partition), batch in batches.items():
            futures.append(await producer.send_batch(batch, topic, partition=partition))
        return asyncio.gather(*futures)


def _log_done(request: RepublishRequest, last_batch: int) -> None:
    log.warning(
        "relay republished %d event(s) from the store to %s (request %d)",
        request.published + last_batch,
        request.topic,
        request.id,
    )


def _with_producer_span(topic: str, names: list[str], values: list[bytes]) -> list[tuple[str, bytes]]:
    """The headers as sent when spans are exported: a PRODUCER span continues the trace stored with
    the event and its context replaces the stored traceparent, so the consumer's span is a child of
    the publish. (When nothing exports, no span is made: the stored traceparent, the writing
    request's, goes out as it is, and the consumer's trace still joins the writer's.)"""
    headers = dict(zip(names, values, strict=True))
    stored = headers.get("traceparent")
    with (
        attached(stored.decode() if stored else None),
        tracer.start_as_current_span(
            f"publish {topic}",
            kind=trace.SpanKind.PRODUCER,
            attributes={
                "messaging.system": "kafka",
                "messaging.destination.name": topic,
                "messaging.message.id": headers.get("ce_id", b"").decode(),
            },
        ),
    ):
        traceparent = current_traceparent()
    if traceparent:
        headers["traceparent"] = headers["ce_traceparent"] = traceparent.encode()
    return list(headers.items())


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep, waking early if stop is set. Returns whether stop is set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()
