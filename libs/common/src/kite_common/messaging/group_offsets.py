"""Moving consumer groups back to the start of a topic, for `kite republish --reset-groups`.

A durable Kafka that lost a topic (deleted and recreated, restored from an older copy) may still hold
the groups' committed offsets from before: a consumer would then skip every republished message that
lands below them. Resetting a group commits, for each partition of the topic, the partition's first
offset; the consumers' inbox absorbs whatever they had handled already.

The groups are those the broker knows with an offset on the topic, and the groups of the installed
services that read it (the broker may have dropped their offsets with the topic). Kafka only takes an
offset commit from outside a group while the group has no members, so a group with live consumers is
not touched: the operator stops that service's consumers first (the answer names them). A member
that stopped without leaving (its session not yet over) is evicted by joining the group: when every
partition of the topic comes to the joining member, nobody else reads it, and the commit is made.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import (
    CommitFailedError,
    IllegalGenerationError,
    KafkaError,
    RebalanceInProgressError,
    UnknownMemberIdError,
)
from aiokafka.structs import OffsetAndMetadata

from kite_common.messaging.producer import client_options
from kite_common.settings import KafkaSettings


@dataclass
class GroupReset:
    group: str
    offsets: dict[int, int] = field(default_factory=dict)  # partition → offset committed
    live: str = ""  # why the broker refused (the group has live consumers); empty: reset

    @property
    def done(self) -> bool:
        return not self.live


async def _partitions(kafka: KafkaSettings, topic: str) -> list[TopicPartition]:
    admin = AIOKafkaAdminClient(**client_options(kafka))
    await admin.start()
    try:
        for _ in range(50):  # a topic just recreated may take a moment to show in the metadata
            for described in await admin.describe_topics([topic]):
                if described.get("error_code") == 0 and described.get("partitions"):
                    return sorted(TopicPartition(topic, p["partition"]) for p in described["partitions"])
            await asyncio.sleep(0.1)
        return []
    finally:
        await admin.close()


async def committed(kafka: KafkaSettings, group: str, partitions: list[TopicPartition]) -> dict[int, int]:
    """The group's committed offset per partition (-1: none)."""
    admin = AIOKafkaAdminClient(**client_options(kafka))
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group, partitions=partitions)
    finally:
        await admin.close()
    return {tp.partition: meta.offset for tp, meta in offsets.items()}


async def groups_on_topic(kafka: KafkaSettings, partitions: list[TopicPartition]) -> set[str]:
    """The groups with a committed offset on these partitions, as the broker knows them."""
    admin = AIOKafkaAdminClient(**client_options(kafka))
    await admin.start()
    try:
        found: set[str] = set()
        for listed in await admin.list_consumer_groups():
            group = listed[0]
            with contextlib.suppress(KafkaError):  # a group gone between listing and asking
                offsets = await admin.list_consumer_group_offsets(group, partitions=partitions)
                if any(meta.offset >= 0 for meta in offsets.values()):
                    found.add(group)
        return found
    finally:
        await admin.close()


async def reset_groups_to_start(
    kafka: KafkaSettings, topic: str, known_groups: Iterable[str] = (), join_timeout: float = 45
) -> list[GroupReset]:
    """Commits the first offset of every partition of `topic` for each group reading it (the broker's
    and `known_groups`); a group with live consumers is reported and left alone."""
    partitions = await _partitions(kafka, topic)
    if not partitions:
        return []
    groups = sorted(set(known_groups) | await groups_on_topic(kafka, partitions))
    resets: list[GroupReset] = []
    for group in groups:
        reset = GroupReset(group)
        try:
            reset.offsets = await _commit_from_outside(kafka, group, partitions)
        except _REFUSED:
            # The broker still counts members: a consumer that stopped without leaving waits out
            # its session. Joining the group evicts such members at the rebalance; if the topic's
            # partitions all come to us, nobody else is reading it and the commit is ours to make.
            try:
                reset.offsets = await _commit_as_member(kafka, topic, group, partitions, join_timeout)
            except _REFUSED as exc:
                reset.live = type(exc).__name__
        resets.append(reset)
    return resets


class _LiveMembers(KafkaError):  # type: ignore[misc]
    """Another member of the group kept some of the topic's partitions."""


_REFUSED = (CommitFailedError, UnknownMemberIdError, IllegalGenerationError, RebalanceInProgressError, _LiveMembers)


async def _commit_from_outside(kafka: KafkaSettings, group: str, partitions: list[TopicPartition]) -> dict[int, int]:
    consumer = AIOKafkaConsumer(**client_options(kafka), group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        return await _commit_start(consumer, partitions)
    finally:
        await consumer.stop()


async def _commit_as_member(
    kafka: KafkaSettings, topic: str, group: str, partitions: list[TopicPartition], timeout: float
) -> dict[int, int]:
    consumer = AIOKafkaConsumer(
        topic, **client_options(kafka), group_id=group, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while consumer.assignment() != set(partitions):
            if asyncio.get_running_loop().time() >= deadline:
                raise _LiveMembers(f"{group}: other consumers keep partitions of {topic}")
            await asyncio.sleep(0.5)
        return await _commit_start(consumer, partitions)
    finally:
        await consumer.stop()


async def _commit_start(consumer: AIOKafkaConsumer, partitions: list[TopicPartition]) -> dict[int, int]:
    start = await consumer.beginning_offsets(partitions)
    await consumer.commit({tp: OffsetAndMetadata(start[tp], "") for tp in partitions})
    return {tp.partition: start[tp] for tp in partitions}
