"""The escalation-offices consumer: roster's organisation events keep casework's `escalation_offices`
(who supervises escalated cases at each level; see `kite_casework.adapters.escalation_offices`)."""

from __future__ import annotations

from kite_common.messaging.cloudevents_kafka import ReceivedEvent
from kite_common.messaging.consumer import ConsumerSpec
from kite_common.unit_of_work import UnitOfWork

from kite_casework.adapters.escalation_offices import apply_organisation_event


async def handle(uow: UnitOfWork, event: ReceivedEvent) -> None:
    await apply_organisation_event(uow.conn, event.envelope)


ESCALATION_OFFICES = ConsumerSpec("escalation-offices", ["roster"], handle)
