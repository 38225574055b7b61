"""Reads a topic back with an independent Kafka client (librdkafka via confluent-kafka)."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class RawMessage:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: dict[str, bytes]


def _read(bootstrap: str, topic: str, count: int, timeout: float) -> list[RawMessage]:
    from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"reader-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
        }
    )
    out: list[RawMessage] = []
    deadline = time.monotonic() + timeout
    try:
        # Assign every partition directly: no group coordination, so reading back is quick.
        partitions: list[int] = []
        while not partitions and time.monotonic() < deadline:
            meta = consumer.list_topics(topic, timeout=5).topics.get(topic)
            partitions = sorted(meta.partitions) if meta is not None and not meta.error else []
            if not partitions:
                time.sleep(0.2)
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
        while len(out) < count and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None or msg.error():
                continue
            out.append(
                RawMessage(
                    str(msg.topic()),
                    int(msg.partition() or 0),
                    int(msg.offset() or 0),
                    msg.key(),
                    msg.value(),
                    _headers(msg.headers()),
                )
            )
    finally:
        consumer.close()
    return out


async def read_messages(bootstrap: str, topic: str, count: int, timeout: float = 30) -> list[RawMessage]:
    return await asyncio.to_thread(_read, bootstrap, topic, count, timeout)


def _headers(raw: object) -> dict[str, bytes]:
    pairs: list[tuple[str, bytes]] = list(raw or [])  # type: ignore[call-overload]
    return dict(pairs)
