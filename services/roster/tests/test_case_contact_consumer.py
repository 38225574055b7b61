"""A member who asks for help has been reached: casework's case-opened, read from Kafka, records a
contact in the roster and finds a lost member again. Over real Kafka, HTTP and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from kite_common.clock import utcnow
from kite_common.events import EventEnvelope
from kite_common.ids import new_id
from kite_common.messaging.cloudevents_kafka import encode, topic_for
from kite_common.messaging.producer import create_producer
from kite_common.runtime import ServiceRuntime
from kite_common.testing.stack import auth, eventually, running
from kite_roster.members.workers.contact_check import ContactCheckSettings, run_contact_check_once
from kite_roster.service import SERVICE
from kite_roster.shared.identity import check_digit

COUNTY = "522631"
REGISTRAR = auth(["registrar"], COUNTY)
CONTACTED = "kite.roster.member-contacted.v1"
RESTORED = "kite.roster.member-contact-restored.v1"


def runtime_of(svc) -> ServiceRuntime:  # type: ignore[no-untyped-def]
    """The roster's runtime over the test service's pool (what a worker is handed)."""
    return ServiceRuntime(SERVICE, svc.pool, svc.kafka)


def casework_event(name: str, data: dict[str, object], subject: str, time: datetime) -> EventEnvelope:
    return EventEnvelope(
        id=new_id(),
        source="/kite/casework",
        type=f"kite.casework.{name}.v1",
        subject=subject,
        time=time,
        data=data,
        stream_version=1,
    )


def case_opened(member_id: uuid.UUID | str, time: datetime, opened_by: str = "desk-1") -> EventEnvelope:
    """casework's case-opened as its contract has it."""
    case_id = new_id()
    data = {
        "case_id": str(case_id),
        "member_id": str(member_id),
        "origin_division_code": f"{COUNTY}101001",
        "category": "wage_arrears",
        "urgency": "high",
        "description": "工地拖欠三个月工资",
        "sla_tier": "day",
        "deadline": (time + timedelta(days=1)).isoformat(),
        "opened_by": opened_by,
    }
    return casework_event("case-opened", data, f"case-{case_id}", time)


async def publish(infra, prefix: str, *events: EventEnvelope) -> None:
    producer = await create_producer(infra.kafka(prefix))
    try:
        for event in events:
            key, value, headers = encode(event)
            await producer.send_and_wait(topic_for("casework", prefix), value=value, key=key, headers=headers)
    finally:
        await producer.stop()


async def register(http, seq: int) -> str:
    first17 = f"{COUNTY}19900101{seq:03d}"
    created = await http.post(
        "/members",
        json={
            "name": f"成员{seq}",
            "id_number": first17 + check_digit(first17),
            "phone": f"138{seq:08d}",
            "origin_division_code": f"{COUNTY}101001",
            "current_city": "杭州",
        },
    )
    assert created.status_code == 201, created.text
    return str(created.json()["member_id"])


async def test_a_case_opened_records_a_contact_once_restores_the_lost_and_skips_the_unknown_and_the_gone(infra, prefix):
    async with running(infra, SERVICE, prefix) as roster, roster.client(headers=REGISTRAR) as http:
        assert roster.pool is not None
        lost = await register(http, 1)
        # Marked lost 200 days on (None while the service's own contact check holds the lock).
        settings = ContactCheckSettings(quiet_days=180)
        later = utcnow() + timedelta(days=200)
        marked = await eventually(lambda: run_contact_check_once(runtime_of(roster), now=later, settings=settings))
        assert marked == 1
        active = await register(http, 2)
        gone = await register(http, 3)
        deregistered = await http.post(f"/members/{gone}/deregistration", json={"reason": "moved-away"})
        assert deregistered.status_code == 200, deregistered.text

        opened_at = utcnow().replace(microsecond=0)
        for_active = case_opened(active, opened_at, opened_by="desk-7")
        accepted = casework_event(
            "case-accepted",
            {"case_id": for_active.data["case_id"], "accepted_by": "desk-7", "accepted_at": opened_at.isoformat()},
            for_active.subject,
            opened_at,
        )
        events = [
            for_active,
            accepted,  # says nothing about contact
            case_opened(lost, opened_at),
            case_opened(gone, opened_at),
            case_opened(uuid.uuid4(), opened_at),  # a member the roster does not know
        ]
        # The first one is delivered twice; the last, on the same key, comes after the second delivery.
        last = casework_event("case-accepted", accepted.data, for_active.subject, opened_at)
        await publish(infra, prefix, *events, for_active, last)

        pool = roster.pool
        handled = len(events) + 1
        await eventually(
            lambda: pool.fetchval("SELECT count(*) = $1 FROM inbox WHERE consumer = 'roster.case-contact'", handled)
        )
        [consumer] = [c for c in roster.consumers if c.spec.purpose == "case-contact"]
        assert consumer.dead_lettered == 0

        member = (await http.get(f"/members/{active}")).json()
        assert member["contact_status"] == "in-contact"
        assert datetime.fromisoformat(member["last_contact_at"]) == opened_at
        history = (await http.get(f"/members/{active}/history")).json()["items"]
        contacts = [h["data"] for h in history if h["type"] == CONTACTED]
        assert len(contacts) == 1
        assert (contacts[0]["channel"], contacts[0]["recorded_by"], contacts[0]["note"]) == (
            "other",
            "desk-7",
            "本人求助，已登记诉求",
        )

        found = (await http.get(f"/members/{lost}")).json()
        assert found["contact_status"] == "in-contact"
        assert [h["type"] for h in (await http.get(f"/members/{lost}/history")).json()["items"]][-2:] == [
            CONTACTED,
            RESTORED,
        ]

        closed = (await http.get(f"/members/{gone}/history")).json()["items"]
        assert CONTACTED not in [h["type"] for h in closed]
        assert (await http.get(f"/members/{gone}")).json()["status"] == "deregistered"
        assert await pool.fetchval("SELECT count(*) FROM events WHERE type = $1", CONTACTED) == 2
