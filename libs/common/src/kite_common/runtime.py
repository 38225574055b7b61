"""A running service in one process: its pool and settings, and the unit of work it hands out."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from kite_common.messaging.cloudevents_kafka import topic_for
from kite_common.service import ServiceDefinition
from kite_common.settings import KafkaSettings
from kite_common.unit_of_work import UnitOfWork


@dataclass
class ServiceRuntime:
    service: ServiceDefinition
    pool: asyncpg.Pool
    kafka: KafkaSettings

    @property
    def topic(self) -> str:
        return topic_for(self.service.name, self.kafka.topic_prefix)

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.pool, self.service.registry, self.service.projections, self.topic)
