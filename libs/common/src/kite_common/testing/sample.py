"""A tiny service used to test the platform itself (store, outbox, relay, consumers, rebuild)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import ClassVar

from kite_common.db.types import Connection
from kite_common.domain import Aggregate, RuleViolation
from kite_common.events import EventEnvelope, EventPayload, EventRegistry
from kite_common.messaging.cloudevents_kafka import ReceivedEvent
from kite_common.messaging.consumer import ConsumerSpec
from kite_common.service import ServiceDefinition
from kite_common.unit_of_work import UnitOfWork

registry = EventRegistry("sample")


@registry.register
class ItemAdded(EventPayload):
    event_name = "item-added"

    item: str
    quantity: int


@dataclass
class Basket(Aggregate):
    """A sample aggregate: items added to a basket of at most 10."""

    stream_prefix: ClassVar[str] = "basket"
    label: ClassVar[str] = "该购物篮"

    basket_id: uuid.UUID
    quantity: int = 0

    @property
    def id(self) -> uuid.UUID:
        return self.basket_id

    def apply(self, event: EventPayload) -> None:
        if isinstance(event, ItemAdded):
            self.quantity += event.quantity

    def add(self, quantity: int) -> None:
        if self.quantity + quantity > 10:
            raise RuleViolation("最多 10 件", code="basket-full", field="quantity")
        self._record(ItemAdded(item="x", quantity=quantity))


class TotalsProjection:
    name = "sample_totals"
    tables = ("sample_totals",)

    async def apply(self, conn: Connection, event: EventEnvelope, payload: EventPayload) -> None:
        if isinstance(payload, ItemAdded):
            await conn.execute(
                """INSERT INTO sample_totals (item, quantity, events) VALUES ($1, $2, 1)
                   ON CONFLICT (item) DO UPDATE SET quantity = sample_totals.quantity + EXCLUDED.quantity,
                                                    events = sample_totals.events + 1""",
                payload.item,
                payload.quantity,
            )


class PoisonError(RuntimeError):
    pass


async def record_effect(uow: UnitOfWork, event: ReceivedEvent) -> None:
    """Records one effect per event; an item named "poison" always fails."""
    item = str(event.envelope.data.get("item"))
    if item == "poison":
        raise PoisonError("this item cannot be handled")
    await uow.conn.execute("INSERT INTO sample_effects (event_id, item) VALUES ($1, $2)", str(event.envelope.id), item)


SAMPLE = ServiceDefinition(
    name="sample",
    title="sample",
    registry=registry,
    migrations_package="kite_common.testing.sample_migrations",
    routers=lambda: [],
    projections=(TotalsProjection(),),
    consumers=(ConsumerSpec("effects", ["sample"], record_effect),),
)
