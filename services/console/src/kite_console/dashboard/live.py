"""The live feed: one Kafka reader per console process, fanned out to the open pages by SSE.

A page is only told *that* something changed in a topic (never what: no ids, no names). A page that
named its panel when it subscribed (a dashboard) is in a group of pages shown the same panel; the
group's refresher (`dashboard/push.py`) reads that panel once and pushes it to each of them. Any
other page is sent the signal and asks the console for what it shows again, with its own session.
An event that names a division outside the page's jurisdiction is not sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

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
    # The pages shown the same panel (its key holds the jurisdiction), and what the group's refresher
    # needs of this page (its session); None: the page is only signalled.
    group: Hashable | None = None
    viewer: Any = None
    # A source's name ("changed"), or None: look at `panel` and `gone`.
    queue: asyncio.Queue[str | None] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    panel: str | None = None  # the latest panel pushed and not yet sent: a newer one replaces it
    gone: bool = False  # its session ended: tell the page once (it then asks, and is sent to sign in)

    def signal(self, source: str) -> None:
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(source)

    def push(self, panel: str) -> None:
        self.panel = panel
        with contextlib.suppress(asyncio.QueueFull):  # a wake-up already waits: it will send this one
            self.queue.put_nowait(None)

    def end(self) -> None:
        self.gone = True
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(None)


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
        # Told which groups of pages a run of events concerns; without it, grouped pages are signalled.
        self.refresh_groups: Callable[[set[Hashable]], None] | None = None

    @contextlib.asynccontextmanager
    async def subscribe(
        self, jurisdiction: str, group: Hashable | None = None, viewer: Any = None
    ) -> AsyncIterator[Subscriber]:
        subscriber = Subscriber(jurisdiction, group, viewer)
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
        groups: set[Hashable] = set()
        for subscriber in list(self.subscribers):
            told = concerned.get(subscriber.jurisdiction)
            if told is None:
                told = everyone or any(d.startswith(subscriber.jurisdiction) for d in places)
                concerned[subscriber.jurisdiction] = told
            if not told:
                continue
            if subscriber.group is not None and self.refresh_groups is not None:
                groups.add(subscriber.group)
            else:
                subscriber.signal(source)
        if groups and self.refresh_groups is not None:
            self.refresh_groups(groups)

    def members(self, groups: set[Hashable]) -> dict[Hashable, list[Subscriber]]:
        """The open pages of each group."""
        found: dict[Hashable, list[Subscriber]] = {}
        for subscriber in list(self.subscribers):
            if subscriber.group in groups:
                found.setdefault(subscriber.group, []).append(subscriber)
        return found

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
