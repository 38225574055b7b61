"""A member who asks for help has been reached: casework's case-opened records a contact.

So a member who comes with a request is never counted lost (失联) for want of a phone call, and a
lost member who turns up with one is found again (member-contact-restored). The contact is written
in the consumer's inbox transaction, so a redelivered case-opened records nothing twice. A case for a
member the roster does not know, or no longer keeps (deregistered), is skipped with a log line: it
is not a broken message, nothing for the DLQ.
"""

from __future__ import annotations

import logging
import uuid

from kite_common.clock import utcnow
from kite_common.db.types import Connection
from kite_common.eventstore import ConcurrencyConflict, PostgresEventStore
from kite_common.messaging.cloudevents_kafka import ReceivedEvent, topic_for
from kite_common.messaging.consumer import ConsumerSpec
from kite_common.unit_of_work import append_events
from pydantic import BaseModel, ConfigDict

from kite_roster.members.domain.member import Member, stream_id
from kite_roster.members.domain.member_events import ContactChannel

log = logging.getLogger(__name__)

CASE_OPENED = "kite.casework.case-opened.v1"
# The published member-contacted contract knows no "case" channel (adding one to its enum would break
# it): a case counts as "other", and the note says where the contact came from.
CASE_CHANNEL: ContactChannel = "other"
CASE_NOTE = "本人求助，已登记诉求"
_ATTEMPTS = 3


class OpenedCase(BaseModel):
    """The part of casework's case-opened.v1 the roster reads (a tolerant reader)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    case_id: uuid.UUID
    member_id: uuid.UUID
    opened_by: str


async def record_case_contact(conn: Connection, received: ReceivedEvent) -> None:
    env = received.envelope
    if env.type != CASE_OPENED:
        return  # casework's other events say nothing about contact
    case = OpenedCase.model_validate(env.data)
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            async with conn.transaction():  # a savepoint: a lost race undoes only this attempt
                await _record(conn, received, case)
            return
        except ConcurrencyConflict:
            # Another write to the member (an edit, the contact check) committed first: decide again.
            if attempt == _ATTEMPTS:
                raise


async def _record(conn: Connection, received: ReceivedEvent, case: OpenedCase) -> None:
    from kite_roster.service import SERVICE  # the service declares this consumer: import it late

    registry = SERVICE.registry
    sid = stream_id(case.member_id)
    stored = await PostgresEventStore(registry.source).read_stream(conn, sid)
    member = Member.replay(case.member_id, (registry.parse(e.type, e.data) for e in stored))
    if not member.registered:
        log.info("case-%s: member-%s is not on the roster, no contact recorded", case.case_id, case.member_id)
        return
    if member.status != "active":
        log.info("case-%s: member-%s is deregistered, no contact recorded", case.case_id, case.member_id)
        return
    now = utcnow()
    # The case was opened when casework stored it; another host's clock a little ahead is not a
    # contact in the future.
    contacted_at = min(received.envelope.time, now)
    events = member.record_contact(CASE_CHANNEL, contacted_at, CASE_NOTE, recorded_by=case.opened_by, now=now)
    topic = topic_for(SERVICE.name, received.topic_prefix)
    await append_events(conn, registry, SERVICE.projections, topic, sid, len(stored), events)


CASE_CONTACT = ConsumerSpec("case-contact", ["casework"], lambda uow, event: record_case_contact(uow.conn, event))
