"""A skill earned in jobs' training joins the member's skills: jobs' training-completed, read from
Kafka, adds the course's trade through a roster command (member-updated, the event every change of
skills publishes), so jobs' own copy of the member — and its matching — sees it. In the consumer's
inbox transaction, and a skill the member has already changes nothing: one change per completion.
A completion for a member the roster does not know, or no longer keeps, is skipped with a log line.
The certificate earned stays with jobs (the roster keeps no certificates).
"""

from __future__ import annotations

import logging
import uuid

from kite_common.messaging.cloudevents_kafka import ReceivedEvent
from kite_common.messaging.consumer import ConsumerSpec
from kite_common.unit_of_work import UnitOfWork
from pydantic import BaseModel, ConfigDict

from kite_roster.members.application.add_earned_skill import add_earned_skill
from kite_roster.members.domain.member import MemberDeregisteredError, MemberNotRegistered

log = logging.getLogger(__name__)

TRAINING_COMPLETED = "kite.jobs.training-completed.v1"


class CompletedTraining(BaseModel):
    """The part of jobs' training-completed.v1 the roster reads (a tolerant reader)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    course_id: uuid.UUID
    member_id: uuid.UUID
    skill: str
    recorded_by: str


async def handle(uow: UnitOfWork, event: ReceivedEvent) -> None:
    if event.envelope.type != TRAINING_COMPLETED:
        return
    done = CompletedTraining.model_validate(event.envelope.data)
    try:
        await add_earned_skill(uow, done.member_id, done.skill, recorded_by=f"jobs:{done.recorded_by}")
    except MemberNotRegistered:
        log.info("course-%s: member-%s is not on the roster, no skill added", done.course_id, done.member_id)
    except MemberDeregisteredError:
        log.info("course-%s: member-%s is deregistered, no skill added", done.course_id, done.member_id)


TRAINING_SKILLS = ConsumerSpec("training-skills", ["jobs"], handle)
