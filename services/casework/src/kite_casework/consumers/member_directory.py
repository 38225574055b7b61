"""The member-directory consumer: roster's member events kept in casework's member directory.

Registered, updated, relocated and deregistered members are mirrored (see
`kite_casework.adapters.member_directory`); other roster events are none of the directory's business.
"""

from __future__ import annotations

from collections.abc import Sequence

from kite_common.messaging.cloudevents_kafka import ReceivedEvent
from kite_common.messaging.consumer import ConsumerSpec
from kite_common.unit_of_work import UnitOfWork

from kite_casework.adapters.member_directory import MIRROR


async def handle(uow: UnitOfWork, event: ReceivedEvent) -> None:
    await MIRROR.apply(uow.conn, event.envelope)


async def handle_many(uow: UnitOfWork, events: Sequence[ReceivedEvent]) -> None:
    """A batch of roster events: the same as `handle` on each, registrations written together."""
    await MIRROR.apply_many(uow.conn, [e.envelope for e in events])


MEMBER_DIRECTORY = ConsumerSpec("member-directory", ["roster"], handle, batch_handler=handle_many)
