"""Consumer "household-mirror": keeps jobs' copy of roster households (priority flags, membership).

Its own consumer group, so a deployment that already ran the member projection still reads every
household event from the beginning of roster.events."""

from __future__ import annotations

from kite_common.messaging.cloudevents_kafka import ReceivedEvent
from kite_common.messaging.consumer import ConsumerSpec
from kite_common.unit_of_work import UnitOfWork

from kite_jobs.adapters.household_mirror import apply_household_event


async def handle(uow: UnitOfWork, event: ReceivedEvent) -> None:
    await apply_household_event(uow.conn, event.envelope)


HOUSEHOLD_MIRROR = ConsumerSpec("household-mirror", ["roster"], handle)
