"""Events from roster, casework and jobs become notifications for their members.

Roster's member events first keep notify's member directory (the platform's member mirror): a
registration also welcomes the member; member-updated, member-relocated and member-deregistered
notify nobody. A case opened or a job matched notifies the member, unless they have been
deregistered. Everything is written in the consumer's inbox transaction, through the same
application command any other caller would use.
"""

from __future__ import annotations

from kite_common.messaging.cloudevents_kafka import ReceivedEvent
from kite_common.messaging.consumer import ConsumerSpec
from kite_common.unit_of_work import UnitOfWork

from kite_notify.adapters.member_directory import MEMBER_DIRECTORY
from kite_notify.application.create_notification import create_notification
from kite_notify.domain.source_events import parse_source_event


async def handle(uow: UnitOfWork, event: ReceivedEvent) -> None:
    env = event.envelope
    change = await MEMBER_DIRECTORY.apply(uow.conn, env)
    if change is not None and not change.registration:
        return  # a member's edit, move or deregistration: the directory follows, nobody is notified
    source = parse_source_event(env.type, env.data)
    if source is None:
        return  # not an event that notifies anyone
    await create_notification(uow, env.source, env.id, source)


NOTIFICATIONS = ConsumerSpec("notifications", ("roster", "casework", "jobs"), handle)
