"""The follow-up-problems consumer: a problem reported at a jobs retention follow-up (稳岗回访) opens a
case for the member, through the same intake a route uses (`take_in_case`, channel 其他系统转来, source
"jobs" and a reference per placement and month: one case however often the event comes), naming the
employer of a labour problem. It runs in the inbox transaction.

The case is opened in the name of jobs and the person who recorded the follow-up, for the member's
home jurisdiction. A member casework does not know yet (or an employer not yet in its directory) is
refused like an intake would be; the event is retried and, if that lasts, kept in the DLQ to be
redriven once the directories caught up. A deregistered member gets no new case: skipped with a log.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date

from kite_common.auth import Principal, Role
from kite_common.clock import utcnow
from kite_common.domain import RuleViolation
from kite_common.messaging.cloudevents_kafka import ReceivedEvent
from kite_common.messaging.consumer import ConsumerSpec
from kite_common.unit_of_work import UnitOfWork
from pydantic import BaseModel, ConfigDict

from kite_casework.application.take_in_case import take_in_case
from kite_casework.domain.follow_up_referral import SOURCE_SYSTEM, FollowUpProblem, case_request

log = logging.getLogger(__name__)

FOLLOW_UP_RECORDED = "kite.jobs.placement-follow-up-recorded.v1"


class RecordedFollowUp(BaseModel):
    """The part of jobs' placement-follow-up-recorded casework reads (a tolerant reader)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    placement_id: uuid.UUID
    month: int
    followed_up_on: date
    still_employed: bool
    problems: str | None = None
    recorded_by: str
    problem_kind: str | None = None
    member_id: uuid.UUID | None = None
    member_origin_division_code: str | None = None
    employer_id: uuid.UUID | None = None
    posting_id: uuid.UUID | None = None
    place_division_code: str | None = None


async def handle(uow: UnitOfWork, event: ReceivedEvent) -> None:
    env = event.envelope
    if env.type != FOLLOW_UP_RECORDED:
        return
    f = RecordedFollowUp.model_validate(env.data)
    if f.problem_kind is None or f.member_id is None or f.member_origin_division_code is None:
        return  # no problem reported (or a follow-up recorded before jobs said whose it was)
    problem = FollowUpProblem(
        placement_id=f.placement_id,
        month=f.month,
        followed_up_on=f.followed_up_on,
        kind=f.problem_kind,
        member_id=f.member_id,
        still_employed=f.still_employed,
        problems=f.problems,
        employer_id=f.employer_id,
        posting_id=f.posting_id,
        place_division_code=f.place_division_code,
    )
    jobs = Principal(f"{SOURCE_SYSTEM}:{f.recorded_by}", frozenset({Role.CASEWORKER}), f.member_origin_division_code)
    try:
        intake = await take_in_case(uow, jobs, case_request(problem), utcnow(), None)
    except RuleViolation as refused:
        if refused.code == "member-deregistered":
            log.info("placement-%s: member-%s is deregistered, no case opened", f.placement_id, f.member_id)
            return
        raise
    log.info("placement-%s month %s: case-%s (new: %s)", f.placement_id, f.month, intake.case_id, intake.created)


FOLLOW_UP_PROBLEMS = ConsumerSpec("follow-up-problems", ["jobs"], handle)
