"""Events from roster, casework and jobs become notifications for their members.

Roster's member events first keep notify's member directory (the platform's member mirror, and the
member's languages): a registration also welcomes the member and renders the notices that waited
for them; member-updated, member-relocated and member-deregistered notify nobody. A case's steps
(opened, accepted, transferred, resolved, a follow-up that did not reach the member), a certificate
issued and a job matched notify the member, unless they have been deregistered. Everything is
written in the consumer's inbox transaction, through the same application commands any other caller
would use.
"""

from __future__ import annotations

from kite_common.messaging.cloudevents_kafka import ReceivedEvent
from kite_common.messaging.consumer import ConsumerSpec
from kite_common.unit_of_work import UnitOfWork

from kite_notify.adapters import catalogue
from kite_notify.adapters.member_directory import MEMBER_DIRECTORY, keep_languages
from kite_notify.application.create_notification import create_notification, release_waiting
from kite_notify.domain.source_events import CaseOpened, parse_source_event


async def handle(uow: UnitOfWork, event: ReceivedEvent) -> None:
    env = event.envelope
    await catalogue.keep(uow.conn, env.type, env.data)  # fairs and courses, named in their notices
    change = await MEMBER_DIRECTORY.apply(uow.conn, env)
    if change is not None:
        await keep_languages(uow.conn, env)
        if not change.registration:
            return  # a member's edit, move or deregistration: the directory follows, nobody is notified
    await create_notification(uow, env.source, env.id, env.type, env.data)
    if change is not None:
        await release_waiting(uow, member_id=change.member_id)
    elif env.type in ("kite.casework.case-opened.v1",):
        opened = parse_source_event(env.type, env.data)
        assert isinstance(opened, CaseOpened)
        await release_waiting(uow, case_id=opened.case_id)


NOTIFICATIONS = ConsumerSpec("notifications", ("roster", "casework", "jobs"), handle)
