"""The notifications consumer's batch handler has the same effect as handling the same events one at a
time: a batch mixing registrations, a case opened (and accepted) before its member's registration, an
edit, a move, a deregistration, an edit arriving before its registration and the same event twice
leaves the same member directory, notices, messages and held notices as one event per transaction."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime
from typing import Any

from kite_common.events import EventEnvelope
from kite_common.ids import new_id
from kite_common.messaging.cloudevents_kafka import ReceivedEvent
from kite_common.messaging.consumer import ConsumerRunner, ConsumerSpec
from kite_common.runtime import ServiceRuntime
from kite_common.testing.stack import running
from kite_notify.adapters import preference_store
from kite_notify.adapters.pii import field_protector
from kite_notify.application.preferences import PHONE_CONTEXT
from kite_notify.consumers.notifications import NOTIFICATIONS
from kite_notify.domain.preferences import Preferences
from kite_notify.service import SERVICE

# What the consumer leaves behind, read back in a stable order.
SNAPSHOT = {
    "directory": """SELECT member_id, name, languages, skills, deregistered_at IS NOT NULL AS gone, roster_version
                    FROM member_directory ORDER BY member_id""",
    "inbox": "SELECT notification_id, member_id, kind, title, body FROM member_inbox ORDER BY notification_id",
    "notifications": "SELECT notification_id, member_id, kind, channels FROM notifications ORDER BY notification_id",
    "statuses": """SELECT notification_id, channel, target, status, attempts FROM delivery_status
                   ORDER BY notification_id, channel, target""",
    "messages": """SELECT notification_id, channel, kind, title, body, template_values
                   FROM outbound_deliveries ORDER BY notification_id, channel""",
    "waiting": "SELECT notification_id, waiting_for, member_id, case_id FROM waiting_notifications ORDER BY 1",
    "events": "SELECT stream_id, stream_version, type, data FROM events ORDER BY stream_id, stream_version",
    "outbox": "SELECT topic, count(*) FROM outbox GROUP BY topic ORDER BY topic",
    # Each notice's events join the trace of the event that caused it.
    "traces": "SELECT stream_id, split_part(traceparent, '-', 2) FROM events ORDER BY stream_id, stream_version",
}


async def _consume(infra: Any, prefix: str, spec: ConsumerSpec, batches: list[list[EventEnvelope]]) -> dict:
    """A fresh notify database; each batch applied as the consumer runner applies one (inbox, handler,
    one transaction); what it left, and how many events each batch handled."""
    async with running(infra, SERVICE, prefix, roles=()) as svc:
        runner = ConsumerRunner(ServiceRuntime(SERVICE, svc.pool, svc.kafka), spec)
        async with svc.pool.acquire() as conn:
            await preference_store.save(  # one member wants SMS too, with no quiet hours
                conn,
                SMS_MEMBER,
                Preferences(channels=("in_app", "sms"), quiet=None, has_phone=True),
                field_protector().encrypt("13912345678", PHONE_CONTEXT),
                None,
                "member",
                datetime.now(UTC),
            )
            handled = []
            for batch in batches:
                async with conn.transaction():
                    handled.append(await runner._apply(conn, [ReceivedEvent(e, "t", 0, 0) for e in batch]))
            state = {name: [tuple(r) for r in await conn.fetch(sql)] for name, sql in SNAPSHOT.items()}
    return {"handled": handled, **state}


SMS_MEMBER = new_id()


async def test_a_mixed_batch_leaves_what_one_event_at_a_time_leaves(infra, prefix, make):
    renamed, late, gone, early = SMS_MEMBER, new_id(), new_id(), new_id()
    case = new_id()
    registered = make.member_registered(renamed, name="王芳", languages=["藏语"])
    events = [
        make.case_opened(late, case_id=case),  # before its member's registration: held
        make.case_step(case, "case-accepted", 2),  # its case known, its member not: held too
        registered,
        registered,  # the same event twice
        make.member_updated(renamed, 2, name="王芳芳"),
        make.member_registered(late, name="李四"),  # releases both held notices, with the name
        make.member_registered(gone, name="赵六"),
        make.member_deregistered(gone, 2),
        make.job_matched(gone),  # deregistered: no notice
        make.member_updated(early, 2, name="钱七"),  # before its registration: changes nothing
        make.member_registered(early, name="钱七七"),
        make.job_matched(renamed),
        make.member_relocated(late, 2),
        make.certificate_issued(renamed),  # a run of casework and jobs notices, written together
        make.job_matched(late),
        make.job_matched(gone),
    ]
    events = [dataclasses.replace(e, traceparent=f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01") for e in events]
    events[3] = events[2]  # the same event twice

    one_at_a_time = dataclasses.replace(NOTIFICATIONS, batch_handler=None)
    single = await _consume(infra, prefix, one_at_a_time, [[e] for e in events])
    batched = await _consume(infra, prefix, NOTIFICATIONS, [events, events])

    assert batched["handled"] == [len(events) - 1, 0]  # the duplicate and the redelivered batch: once
    assert sum(single["handled"]) == len(events) - 1
    for name in SNAPSHOT:
        assert batched[name] == single[name], name

    # ... and what both left is what members rely on.
    notices = {(r[1], r[2]): r[4] for r in batched["inbox"]}
    assert notices[(late, "case-opened")].startswith("李四")
    assert (late, "case-accepted") in notices
    assert notices[(renamed, "welcome")].startswith("王芳") and notices[(renamed, "job-matched")].startswith("王芳芳")
    assert [k for m, k in notices if m == gone] == ["welcome"]
    assert (renamed, "certificate-issued") in notices and notices[(late, "job-matched")].startswith("李四")
    assert notices[(early, "welcome")].startswith("钱七七")
    assert batched["waiting"] == []
    welcome = next(r[0] for r in batched["inbox"] if (r[1], r[2]) == (late, "welcome"))
    traces = dict(batched["traces"])
    assert traces[f"notification-{welcome}"] == events[5].traceparent.split("-")[1]
    assert sorted((r[1], r[2]) for r in batched["messages"]) == [
        ("sms", "certificate-issued"),
        ("sms", "job-matched"),
        ("sms", "welcome"),
    ]
