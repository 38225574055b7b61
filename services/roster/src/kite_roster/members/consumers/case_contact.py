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
from kite_common.messaging.cloudevents_kafka import ReceivedEvent
from kite_common.messaging.consumer import ConsumerSpec
from kite_common.unit_of_work import UnitOfWork
from pydantic import BaseModel, ConfigDict

from kite_roster.members.application.record_contact import record_reported_contact
from kite_roster.members.domain.member import MemberDeregisteredError, MemberNotRegistered
from kite_roster.members.domain.member_events import ContactChannel

log = logging.getLogger(__name__)

CASE_OPENED = "kite.casework.case-opened.v1"
# The published member-contacted contract knows no "case" channel (adding one to its enum would break
# it): a case counts as "other", and the note says where the contact came from.
CASE_CHANNEL: ContactChannel = "other"
CASE_NOTE = "本人求助，已登记诉求"


class OpenedCase(BaseModel):
    """The part of casework's case-opened.v1 the roster reads (a tolerant reader)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    case_id: uuid.UUID
    member_id: uuid.UUID
    opened_by: str


async def handle(uow: UnitOfWork, event: ReceivedEvent) -> None:
    env = event.envelope
    if env.type != CASE_OPENED:
        return  # casework's other events say nothing about contact
    case = OpenedCase.model_validate(env.data)
    now = utcnow()
    # The case was opened when casework stored it; another host's clock a little ahead is not a
    # contact in the future.
    contacted_at = min(env.time, now)
    try:
        await record_reported_contact(
            uow, case.member_id, CASE_CHANNEL, contacted_at, CASE_NOTE, recorded_by=case.opened_by, now=now
        )
    except MemberNotRegistered:
        log.info("case-%s: member-%s is not on the roster, no contact recorded", case.case_id, case.member_id)
    except MemberDeregisteredError:
        log.info("case-%s: member-%s is deregistered, no contact recorded", case.case_id, case.member_id)


CASE_CONTACT = ConsumerSpec("case-contact", ["casework"], handle)
