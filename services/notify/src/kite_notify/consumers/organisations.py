"""Roster's organisation and membership events keep notify's copy of who belongs where, for
broadcasts to an organisation and its sub-tree; a branch's announced org-life session becomes a
broadcast to its party members."""

from __future__ import annotations

from kite_common.clock import utcnow
from kite_common.messaging.cloudevents_kafka import ReceivedEvent
from kite_common.messaging.consumer import ConsumerSpec
from kite_common.unit_of_work import UnitOfWork

from kite_notify.adapters import organisations
from kite_notify.application.announce_session import announce_session
from kite_notify.domain.source_events import ORG_LIFE_SESSION_PLANNED, OrgLifeSessionPlanned


async def handle(uow: UnitOfWork, event: ReceivedEvent) -> None:
    env = event.envelope
    await organisations.apply(uow.conn, env.type, env.data)
    if env.type == ORG_LIFE_SESSION_PLANNED:
        await announce_session(uow, OrgLifeSessionPlanned.model_validate(env.data), utcnow())


ORGANISATIONS = ConsumerSpec("organisations", ("roster",), handle)
