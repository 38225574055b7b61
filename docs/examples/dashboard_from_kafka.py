"""A dashboard reads one Kite topic from the beginning with a plain Kafka client (confluent-kafka)
and the CloudEvents SDK, and counts the events by type."""

from __future__ import annotations

import json
import uuid
from collections import Counter

from cloudevents.v1.http import CloudEvent
from cloudevents.v1.kafka import KafkaMessage, from_binary
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition


def read_from_beginning(bootstrap: str, topic: str, max_events: int, idle_polls: int = 10) -> list[CloudEvent]:
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"dashboard-{uuid.uuid4()}",
            "enable.auto.commit": False,
        }
    )
    # Every partition from its first retained message; no group coordination is needed to read.
    partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in sorted(partitions)])
    events: list[CloudEvent] = []
    idle = 0
    try:
        while len(events) < max_events and idle < idle_polls:
            message = consumer.poll(1.0)
            if message is None or message.error():
                idle += 1
                continue
            idle = 0
            kafka_message = KafkaMessage(
                headers=dict(message.headers() or []), key=message.key(), value=message.value()
            )
            # Binary mode: the ce_* headers are the attributes, the value is the JSON data.
            events.append(from_binary(kafka_message, data_unmarshaller=json.loads))
    finally:
        consumer.close()
    return events


def counts_by_type(events: list[CloudEvent]) -> Counter[str]:
    return Counter(event["type"] for event in events)
