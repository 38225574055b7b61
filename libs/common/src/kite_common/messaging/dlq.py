"""Reading and redriving dead letters: what the consumer runner sent to `<topic>.dlq`.

A dead letter keeps the original key, value and headers, plus `kite_*` headers saying which consumer
gave up, why and after how many attempts. Redriving sends it back to its original topic as it first
came (the `kite_*` headers removed, one `kite_redriven_from` added): every consumer of the topic
reads it again, and the inbox lets only those that had not handled it act on it — so once the cause
is fixed a redriven event is handled exactly once, however often it is redriven.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition

from kite_common.messaging.producer import client_options, create_producer
from kite_common.settings import KafkaSettings

DLQ_SUFFIX = ".dlq"


@dataclass(frozen=True)
class DeadLetter:
    topic: str  # the DLQ topic
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]

    @property
    def id(self) -> str:
        """How an operator names it: `<dlq topic>:<partition>:<offset>`."""
        return f"{self.topic}:{self.partition}:{self.offset}"

    def header(self, name: str) -> str:
        for k, v in self.headers:
            if k == name:
                return v.decode(errors="replace")
        return ""

    @property
    def original_topic(self) -> str:
        return self.header("kite_original_topic") or self.topic.removesuffix(DLQ_SUFFIX)

    @property
    def reason(self) -> str:
        return f"{self.header('kite_error_type')}: {self.header('kite_error')}"

    def original_headers(self) -> list[tuple[str, bytes]]:
        return [(k, v) for k, v in self.headers if not k.startswith("kite_")]


def parse_id(text: str) -> tuple[str, int, int]:
    topic, partition, offset = text.rsplit(":", 2)
    if not topic.endswith(DLQ_SUFFIX):
        raise ValueError(f"{topic} is not a dead-letter topic")
    return topic, int(partition), int(offset)


async def read_dead_letters(kafka: KafkaSettings, topics: list[str], limit: int = 1000) -> list[DeadLetter]:
    """The messages now in these DLQ topics, at most `limit` of them (read without a consumer
    group: nothing is committed)."""
    consumer = AIOKafkaConsumer(**client_options(kafka), enable_auto_commit=False)
    await consumer.start()
    letters: list[DeadLetter] = []
    try:
        existing = await consumer.topics()
        partitions = [
            TopicPartition(t, p)
            for t in topics
            if t in existing
            for p in sorted(consumer.partitions_for_topic(t) or ())
        ]
        if not partitions:
            return []
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        waiting = {tp for tp in partitions if ends[tp] > 0}
        while waiting and len(letters) < limit:
            batches = await consumer.getmany(*waiting, timeout_ms=1000)
            for tp, records in batches.items():
                for r in records:
                    if r.offset < ends[tp]:
                        letters.append(
                            DeadLetter(r.topic, r.partition, r.offset, r.key, r.value, tuple(r.headers or ()))
                        )
            waiting = {tp for tp in waiting if await consumer.position(tp) < ends[tp]}
    finally:
        with contextlib.suppress(Exception):
            await consumer.stop()
    return sorted(letters, key=lambda d: (d.topic, d.partition, d.offset))[:limit]


async def find_dead_letter(kafka: KafkaSettings, letter_id: str) -> DeadLetter | None:
    """One dead letter by its id, read directly at its offset."""
    topic, partition, offset = parse_id(letter_id)
    consumer = AIOKafkaConsumer(**client_options(kafka), enable_auto_commit=False)
    await consumer.start()
    try:
        tp = TopicPartition(topic, partition)
        if topic not in await consumer.topics() or partition not in (consumer.partitions_for_topic(topic) or ()):
            return None
        consumer.assign([tp])
        first, end = (await consumer.beginning_offsets([tp]))[tp], (await consumer.end_offsets([tp]))[tp]
        if not first <= offset < end:
            return None
        consumer.seek(tp, offset)
        while True:
            batch = await consumer.getmany(tp, timeout_ms=1000)
            for r in batch.get(tp, []):
                if r.offset == offset:
                    return DeadLetter(r.topic, r.partition, r.offset, r.key, r.value, tuple(r.headers or ()))
                if r.offset > offset:
                    return None
    finally:
        with contextlib.suppress(Exception):
            await consumer.stop()


async def redrive(kafka: KafkaSettings, letters: list[DeadLetter]) -> int:
    """Sends dead letters back to their original topics, each as it first came."""
    producer = await create_producer(kafka)
    try:
        for letter in letters:
            await producer.send_and_wait(
                letter.original_topic,
                value=letter.value,
                key=letter.key,
                headers=[*letter.original_headers(), ("kite_redriven_from", letter.id.encode())],
            )
    finally:
        await producer.stop()
    return len(letters)
