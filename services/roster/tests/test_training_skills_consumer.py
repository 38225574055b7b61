"""jobs' training-completed, as the roster's training-skills consumer handles it: the skill joins the
member once; a member the roster does not know, or no longer keeps, is skipped and nothing is written."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from kite_common.events import EventEnvelope
from kite_common.ids import new_id
from kite_common.messaging.cloudevents_kafka import ReceivedEvent
from kite_common.runtime import ServiceRuntime
from kite_common.testing.stack import auth, running
from kite_roster.members.consumers.training_skills import handle
from kite_roster.service import SERVICE
from kite_roster.shared.identity import check_digit

COUNTY = "522631"


def completed(member_id: str | uuid.UUID, skill: str = "砌筑工") -> ReceivedEvent:
    course_id = new_id()
    envelope = EventEnvelope(
        id=new_id(),
        source="/kite/jobs",
        type="kite.jobs.training-completed.v1",
        subject=f"course-{course_id}",
        time=datetime(2026, 5, 1, tzinfo=UTC),
        data={
            "course_id": str(course_id),
            "member_id": str(member_id),
            "member_origin_division_code": f"{COUNTY}101001",
            "skill": skill,
            "certificate": "砌筑工（五级）",
            "completed_on": "2026-05-01",
            "recorded_by": "liping-hr",
            "a_field_added_later": 1,
        },
        stream_version=3,
    )
    return ReceivedEvent(envelope, "jobs.events", 0, 0)


async def test_the_skill_joins_once_and_unknown_or_deregistered_members_are_skipped(infra, prefix):
    async with (
        running(infra, SERVICE, prefix, roles=("api",)) as roster,
        roster.client(headers=auth(["registrar"], COUNTY)) as http,
    ):
        ids = []
        for seq in (1, 2):
            first17 = f"{COUNTY}19900101{seq:03d}"
            created = await http.post(
                "/members",
                json={
                    "name": f"学员{seq}",
                    "id_number": first17 + check_digit(first17),
                    "phone": f"139{seq:08d}",
                    "origin_division_code": f"{COUNTY}101001",
                    "current_city": "黎平",
                    "skills": ["钢筋工"],
                },
            )
            assert created.status_code == 201, created.text
            ids.append(created.json()["member_id"])
        active, gone = ids
        assert (await http.post(f"/members/{gone}/deregistration", json={"reason": "moved-away"})).status_code == 200
        before = await roster.pool.fetchval("SELECT count(*) FROM events")

        async with roster.pool.acquire() as conn:
            uow = ServiceRuntime(SERVICE, roster.pool, roster.kafka).joining(conn)
            for event in (completed(active), completed(active), completed(gone), completed(uuid.uuid4())):
                await handle(uow, event)

        member = (await http.get(f"/members/{active}")).json()
        assert sorted(member["skills"]) == sorted(["钢筋工", "砌筑工"])
        added = await roster.pool.fetch("SELECT stream_id, data FROM events ORDER BY position OFFSET $1", before)
        assert [(r["stream_id"], r["data"]["skills"], r["data"]["updated_by"]) for r in added] == [
            (f"member-{active}", sorted(["钢筋工", "砌筑工"]), "jobs:liping-hr")
        ]
