"""Roster's later member events over real Kafka: a new name greets the member, a move notifies
nobody, and a deregistered member gets no notification any more."""

from __future__ import annotations

from kite_common.ids import new_id
from kite_common.messaging.cloudevents_kafka import ReceivedEvent
from kite_common.runtime import ServiceRuntime
from kite_common.testing.stack import eventually, running
from kite_notify.consumers.notifications import handle
from kite_notify.service import SERVICE

from .test_inbox_api import inbox_of


async def test_a_renamed_member_is_greeted_by_the_new_name_and_a_deregistered_one_gets_nothing(notify, publish, make):
    renamed, gone = new_id(), new_id()
    roster_events = [
        make.member_registered(renamed, name="王芳"),
        make.member_updated(renamed, 2, name="王芳芳", skills=["电工"]),
        make.member_relocated(renamed, 3),
        make.member_registered(gone, name="李四"),
        make.member_deregistered(gone, 2),
    ]
    await publish(*roster_events)
    await eventually(
        lambda: notify.pool.fetchval(
            """SELECT count(*) = 2 FROM member_directory
               WHERE (member_id = $1 AND name = '王芳芳') OR (member_id = $2 AND deregistered_at IS NOT NULL)""",
            renamed,
            gone,
        )
    )
    later = [make.case_opened(renamed), make.case_opened(gone), make.job_matched(gone)]
    await publish(*later)
    # Every event has been handled (the inbox records each) before anything is asserted absent.
    everything = len(roster_events) + len(later)
    await eventually(lambda: notify.pool.fetchval("SELECT count(*) = $1 FROM inbox", everything))

    items = (await inbox_of(notify, renamed, 2))["items"]
    assert sorted(i["kind"] for i in items) == ["case-opened", "welcome"]  # the move notified nobody
    by_kind = {i["kind"]: i for i in items}
    assert by_kind["welcome"]["body"].startswith("王芳，您好！")
    assert by_kind["case-opened"]["body"].startswith("王芳芳，您好！")

    # Only the welcome, sent before the deregistration; nothing after it, on any channel.
    assert [i["kind"] for i in (await inbox_of(notify, gone, 1))["items"]] == ["welcome"]
    created = await notify.pool.fetch(
        """SELECT data->>'kind' AS kind FROM events
           WHERE type = 'kite.notify.notification-created.v2' AND data->>'member_id' = $1""",
        str(gone),
    )
    assert [r["kind"] for r in created] == ["welcome"]


async def test_an_older_or_redelivered_registration_never_undoes_a_rename_or_a_deregistration(infra, prefix, make):
    member = new_id()
    registered = make.member_registered(member, name="王芳")
    async with running(infra, SERVICE, prefix, roles=()) as svc, svc.pool.acquire() as conn:
        uow = ServiceRuntime(SERVICE, svc.pool, svc.kafka).joining(conn)
        for event in (registered, make.member_updated(member, 2, name="王芳芳"), make.member_deregistered(member, 3)):
            await handle(uow, ReceivedEvent(event, "roster.events", 0, 0))
        await handle(uow, ReceivedEvent(registered, "roster.events", 0, 0))
        await handle(uow, ReceivedEvent(make.case_opened(member), "casework.events", 0, 0))
        row = await conn.fetchrow("SELECT name, deregistered_at, roster_version FROM member_directory")
        kinds = await conn.fetch("SELECT data->>'kind' FROM events WHERE type = 'kite.notify.notification-created.v2'")
    assert (row["name"], row["roster_version"]) == ("王芳芳", 3) and row["deregistered_at"] is not None
    assert [k[0] for k in kinds] == ["welcome"]
