"""Events from roster, casework and jobs become notifications for their members.

Roster's member events first keep notify's member directory (the platform's member mirror, and the
member's languages): a registration also welcomes the member and renders the notices that waited
for them; member-updated, member-relocated and member-deregistered notify nobody. A case's steps
(opened, accepted, transferred, resolved, a follow-up that did not reach the member), a certificate
issued and a job matched notify the member, unless they have been deregistered. Everything is
written in the consumer's inbox transaction, through the same application commands any other caller
would use.

A batch (`handle_many`) has the same effect as `handle` on each event in turn: a run of roster's
member events is taken in rounds in which no member comes twice (a member's later event starts the
next round, so it sees what the earlier one did), each round written with a few statements for all
of its members — the directory, the languages, the welcomes (`create_notifications`) and the notices
that waited for them (`release_waiting_for_members`). A run of the other topics' one-notice events
(a case's later steps, a certificate, a job matched) is written together too (`create_notifications`,
in order); an event with more to do than its notice — a case opened (it releases the notices held
for its case), an org-life session (several notices), a fair or course the catalogue keeps — is
handled on its own, in its place.
"""

from __future__ import annotations

from collections.abc import Sequence

from kite_common.events import EventEnvelope
from kite_common.messaging.cloudevents_kafka import ReceivedEvent
from kite_common.messaging.consumer import ConsumerSpec
from kite_common.mirror.roster_members import MEMBER_EVENT_TYPES
from kite_common.tracing_context import attached
from kite_common.unit_of_work import UnitOfWork

from kite_notify.adapters import catalogue
from kite_notify.adapters.member_directory import MEMBER_DIRECTORY, keep_languages, keep_languages_many
from kite_notify.application.create_notification import (
    create_notification,
    create_notifications,
    release_waiting,
    release_waiting_for_members,
)
from kite_notify.domain.source_events import ORG_LIFE_SESSION_HELD, CaseOpened, parse_source_event

CASE_OPENED = "kite.casework.case-opened.v1"
# Events that do more than make one notice: each handled on its own, in its place.
ON_THEIR_OWN = frozenset(
    {CASE_OPENED, ORG_LIFE_SESSION_HELD, catalogue.FAIR_ORGANISED, catalogue.FAIR_REGISTERED, catalogue.COURSE_OPENED}
)


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
    elif env.type == CASE_OPENED:
        opened = parse_source_event(env.type, env.data)
        assert isinstance(opened, CaseOpened)
        await release_waiting(uow, case_id=opened.case_id)


async def handle_many(uow: UnitOfWork, events: Sequence[ReceivedEvent]) -> None:
    """`handle` on each event in turn, with runs of roster's member events written together."""
    run: list[EventEnvelope] = []
    notices: list[EventEnvelope] = []
    for event in events:
        env = event.envelope
        if env.type in MEMBER_EVENT_TYPES:
            await _notices(uow, notices)
            notices = []
            run.append(env)
            continue
        await _member_events(uow, run)
        run = []
        if env.type.startswith(("kite.casework.", "kite.jobs.")) and env.type not in ON_THEIR_OWN:
            notices.append(env)
            continue
        await _notices(uow, notices)
        notices = []
        with attached(env.traceparent):  # its effects join its own trace, as on its own
            await handle(uow, event)
    await _member_events(uow, run)
    await _notices(uow, notices)


async def _notices(uow: UnitOfWork, envelopes: Sequence[EventEnvelope]) -> None:
    """One-notice events from casework and jobs: as `handle` on each, in order, read and written together."""
    if envelopes:
        await create_notifications(uow, [(e.source, e.id, e.type, e.data, e.traceparent) for e in envelopes])


async def _member_events(uow: UnitOfWork, envelopes: Sequence[EventEnvelope]) -> None:
    round_: list[EventEnvelope] = []
    members: set[str] = set()
    for env in envelopes:
        member = str(env.data.get("member_id"))
        if member in members:
            await _member_round(uow, round_)
            round_, members = [], set()
        round_.append(env)
        members.add(member)
    await _member_round(uow, round_)


async def _member_round(uow: UnitOfWork, envelopes: Sequence[EventEnvelope]) -> None:
    """Member events of different members: as `handle` on each, a few statements in all."""
    if not envelopes:
        return
    changes = await MEMBER_DIRECTORY.apply_many(uow.conn, envelopes)
    await keep_languages_many(uow.conn, envelopes)
    registered = [
        (env, change) for env, change in zip(envelopes, changes, strict=True) if change and change.registration
    ]
    if registered:
        sources = [(env.source, env.id, env.type, env.data, env.traceparent) for env, _ in registered]
        await create_notifications(uow, sources)
        traces = {change.member_id: env.traceparent for env, change in registered}
        await release_waiting_for_members(uow, list(traces), traces)


NOTIFICATIONS = ConsumerSpec("notifications", ("roster", "casework", "jobs"), handle, batch_handler=handle_many)
