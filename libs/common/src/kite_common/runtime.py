"""A running service in one process: its pool and settings, and the units of work it hands out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import asyncpg

from kite_common.db.types import Connection
from kite_common.events import EventRegistry
from kite_common.messaging.cloudevents_kafka import topic_for
from kite_common.projection import Projection
from kite_common.settings import KafkaSettings
from kite_common.unit_of_work import UnitOfWork


class WriteModel(Protocol):
    """What a unit of work needs of a service (a ServiceDefinition is one)."""

    @property
    def name(self) -> str: ...

    @property
    def registry(self) -> EventRegistry: ...

    @property
    def projections(self) -> Sequence[Projection]: ...


@dataclass
class ServiceRuntime:
    service: WriteModel
    pool: asyncpg.Pool
    kafka: KafkaSettings

    @property
    def topic(self) -> str:
        return topic_for(self.service.name, self.kafka.topic_prefix)

    def unit_of_work(self) -> UnitOfWork:
        """A unit of work on a connection of the pool (API routes, workers)."""
        return UnitOfWork(self.pool, self.service.registry, self.service.projections, self.topic)

    def joining(self, conn: Connection) -> UnitOfWork:
        """A unit of work inside the caller's transaction (a consumer's inbox transaction)."""
        return UnitOfWork.joining(conn, self.service.registry, self.service.projections, self.topic)
