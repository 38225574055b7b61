"""The live feed: one Kafka reader per console process, fanned out to the open pages by SSE.

A page is only told *that* something changed in a topic (never what: no ids, no names); it then
asks the console for its panel again, read with its own token, so it never sees another
jurisdiction's data. An event that names a division outside the page's jurisdiction is not sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer
from kite_common.messaging.cloudevents_kafka import topic_for
from kite_common.messaging.producer import client_options
from kite_common.settings import KafkaSettings

log = logging.getLogger(__name__)
SOURCES = ("roster", "casework", "jobs")
QUEUE_SIZE = 8  # a page that falls behind only needs to know "changed": extra signals are dropped


@dataclass(eq=False)
class Subscriber:
    jurisdiction: str
    queue: asyncio.Queue[str] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))


def divisions_in(data: object) -> list[str]:
    """The division codes an event's data names (origin_division_code and the like)."""
    if not isinstance(data, dict):
        return []
    return [v for k, v in data.items() if k.endswith("division_code") and isinstance(v, str)]


class LiveHub:
    def __init__(self, kafka: KafkaSettings, sources: tuple[str, ...] = SOURCES) -> None:
        self.kafka = kafka
        self.topics = {topic_for(s, kafka.topic_prefix): s for s in sources}
        self.subscribers: set[Subscriber] = set()
        self.ready = asyncio.Event()
        self.stopping = asyncio.Event()

    @contextlib.asynccontextmanager
    async def subscribe(self, jurisdiction: str) -> AsyncIterator[Subscriber]:
        subscriber = Subscriber(jurisdiction)
        self.subscribers.add(subscriber)
        try:
            yield subscriber
        finally:
            self.subscribers.discard(subscriber)

    def publish(self, source: str, data: object) -> None:
        divisions = divisions_in(data)
        for subscriber in list(self.subscribers):
            if divisions and not any(d.startswith(subscriber.jurisdiction) for d in divisions):
                continue
            with contextlib.suppress(asyncio.QueueFull):
                subscriber.queue.put_nowait(source)

    async def run(self) -> None:
        """Read the topics from their end until stopped, restarting after a broker failure."""
        while not self.stopping.is_set():
            try:
                await self._read()
            except Exception:
                log.exception("live feed stopped; restarting in 2 s")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stopping.wait(), 2)

    async def _read(self) -> None:
        consumer = AIOKafkaConsumer(
            *self.topics,
            **client_options(self.kafka),
            group_id=None,  # every console process reads everything: it serves its own pages
            # A topic that appears after we started (the first event of a new system) is read from its
            # beginning, so its first events are not missed; the topics there now start at their end.
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            metadata_max_age_ms=2000,
        )
        await consumer.start()
        try:
            for _ in range(100):
                if consumer.assignment():
                    break
                await asyncio.sleep(0.05)
            if consumer.assignment():
                await consumer.seek_to_end(*consumer.assignment())
            self.ready.set()
            while not self.stopping.is_set():
                batches = await consumer.getmany(timeout_ms=500, max_records=500)
                for records in batches.values():
                    for record in records:
                        self.publish(self.topics.get(record.topic, record.topic), _data(record.value))
        finally:
            with contextlib.suppress(Exception):
                await consumer.stop()


def _data(value: bytes | None) -> object:
    try:
        return json.loads(value) if value else None
    except ValueError:
        return None
