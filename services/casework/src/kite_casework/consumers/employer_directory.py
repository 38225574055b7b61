"""The employer-directory consumer: jobs' employer-registered kept in casework's employer directory.
Other jobs events are none of casework's business; a redelivered one changes nothing (inbox, and the
insert ignores an employer already there)."""

from __future__ import annotations

import uuid

from kite_common.messaging.cloudevents_kafka import ReceivedEvent
from kite_common.messaging.consumer import ConsumerSpec
from kite_common.unit_of_work import UnitOfWork
from pydantic import BaseModel, ConfigDict

from kite_casework.adapters.employer_directory import record_employer

# v1 (no longer written, still in older stores) and v2 both carry what casework reads.
EMPLOYER_REGISTERED = frozenset({"kite.jobs.employer-registered.v1", "kite.jobs.employer-registered.v2"})


class RegisteredEmployer(BaseModel):
    """The part of jobs' employer-registered casework reads (a tolerant reader)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    employer_id: uuid.UUID
    name: str
    unified_social_credit_code: str | None = None
    area_division_code: str


async def handle(uow: UnitOfWork, event: ReceivedEvent) -> None:
    env = event.envelope
    if env.type not in EMPLOYER_REGISTERED:
        return
    employer = RegisteredEmployer.model_validate(env.data)
    await record_employer(
        uow.conn,
        employer.employer_id,
        employer.name,
        employer.unified_social_credit_code,
        employer.area_division_code,
        env.time,
    )


EMPLOYER_DIRECTORY = ConsumerSpec("employer-directory", ["jobs"], handle)
