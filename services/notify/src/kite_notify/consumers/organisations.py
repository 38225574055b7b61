"""Roster's organisation and membership events keep notify's copy of who belongs where, for
broadcasts to an organisation and its sub-tree."""

from __future__ import annotations

from kite_common.messaging.cloudevents_kafka import ReceivedEvent
from kite_common.messaging.consumer import ConsumerSpec
from kite_common.unit_of_work import UnitOfWork

from kite_notify.adapters import organisations


async def handle(uow: UnitOfWork, event: ReceivedEvent) -> None:
    await organisations.apply(uow.conn, event.envelope.type, event.envelope.data)


ORGANISATIONS = ConsumerSpec("organisations", ("roster",), handle)
