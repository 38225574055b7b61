"""Consumer "member-projection": keeps jobs' copy of roster members from roster.events."""

from __future__ import annotations

from collections.abc import Sequence

from kite_common.messaging.cloudevents_kafka import ReceivedEvent
from kite_common.messaging.consumer import ConsumerSpec
from kite_common.unit_of_work import UnitOfWork

from kite_jobs.adapters.employment_state import members_changed
from kite_jobs.adapters.member_projection import MIRROR


async def handle(uow: UnitOfWork, event: ReceivedEvent) -> None:
    """Applies a roster event to the members table in the inbox transaction, and what follows from it
    (the member's households' employment, candidate rows, the ledger); other events are skipped."""
    change = await MIRROR.apply(uow.conn, event.envelope)
    if change is not None:
        await members_changed(uow.conn, [change.member_id])


async def handle_many(uow: UnitOfWork, events: Sequence[ReceivedEvent]) -> None:
    """A batch of roster events: the same as `handle` on each, registrations written together, and what
    follows from them settled once for every member the batch touched."""
    changes = await MIRROR.apply_many(uow.conn, [e.envelope for e in events])
    touched = [change.member_id for change in changes if change is not None]
    if touched:
        await members_changed(uow.conn, touched)


MEMBER_PROJECTION = ConsumerSpec("member-projection", ["roster"], handle, batch_handler=handle_many)
