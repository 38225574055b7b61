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
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, TopicPartition
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

    def publish(self, source: str, events: Iterable[object]) -> None:
        """Tell every open page that a run of a topic's events concerns that its source changed — once
        for the run, however long: a page only needs to know "changed", and a bulk import's thousands of
        events cost one pass over the pages, not one per event. An event that names divisions concerns
        the pages of jurisdictions holding one of them; one that names none concerns every page."""
        places: set[str] = set()
        everyone = False
        for data in events:
            divisions = divisions_in(data)
            places.update(divisions)
            everyone = everyone or not divisions
        if not (everyone or places):
            return
        concerned: dict[str, bool] = {}  # jurisdiction → whether the run concerns it (a few distinct ones)
        for subscriber in list(self.subscribers):
            told = concerned.get(subscriber.jurisdiction)
            if told is None:
                told = everyone or any(d.startswith(subscriber.jurisdiction) for d in places)
                concerned[subscriber.jurisdiction] = told
            if told:
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
            start = consumer.assignment()
            # Where each partition is read from next. Kept here, not left to the client: a topic that
            # appears later makes the client replace the whole assignment, and every partition would
            # start again from its beginning (a roster topic of a million registrations, replayed).
            # aiokafka's seek_to_end loses to the first reset when that is still under way, so the
            # ends are asked for and sought to.
            positions: dict[TopicPartition, int] = await consumer.end_offsets(list(start)) if start else {}
            assigned: frozenset[TopicPartition] = frozenset()
            self.ready.set()
            while not self.stopping.is_set():
                if consumer.assignment() != assigned:
                    assigned = frozenset(consumer.assignment())
                    for tp in assigned & positions.keys():
                        consumer.seek(tp, positions[tp])
                batches = await consumer.getmany(timeout_ms=500, max_records=500)
                for tp, records in batches.items():
                    self._deliver(tp.topic, [r.value for r in records if r.offset >= positions.get(tp, 0)])
                    if records:
                        positions[tp] = max(positions.get(tp, 0), records[-1].offset + 1)
        finally:
            with contextlib.suppress(Exception):
                await consumer.stop()

    def _deliver(self, topic: str, values: list[bytes | None]) -> None:
        """Tell the open pages about new events of a topic; with no page open, nothing is decoded."""
        if values and self.subscribers:
            self.publish(self.topics.get(topic, topic), map(_data, values))


def _data(value: bytes | None) -> object:
    try:
        return json.loads(value) if value else None
    except ValueError:
        return None
