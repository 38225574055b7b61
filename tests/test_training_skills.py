"""A skill earned in jobs' training reaches the member in the roster and comes back to jobs' matching,
over real HTTP, PostgreSQL and Kafka; a redelivered completion changes nothing."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta

import pytest
from kite_common.clock import utcnow
from kite_common.events import EventEnvelope
from kite_common.ids import new_id
from kite_common.messaging.cloudevents_kafka import encode, topic_for
from kite_common.messaging.producer import create_producer
from kite_common.testing.stack import auth, eventually, running
from kite_jobs.service import SERVICE as JOBS
from kite_roster.members.domain.member import Member, MemberNotRegistered
from kite_roster.service import SERVICE as ROSTER
from kite_roster.shared.identity import check_digit

COUNTY = "522631"
EMPLOYMENT = auth(["employment"], COUNTY, subject="liping-hr")
REGISTRAR = auth(["registrar"], COUNTY)
UPDATED = "kite.roster.member-updated.v1"


def today() -> date:
    return utcnow().date()


def test_an_earned_skill_joins_the_members_skills_once():
    registered = Member(member_id=new_id(), registered=True, status="active", skills=["电工"])
    (event,) = registered.add_skill("育婴师", "jobs:hr")
    assert (event.changed, event.skills) == (["skills"], ["电工", "育婴师"])
    assert registered.add_skill("育婴师", "jobs:hr") == []
    with pytest.raises(MemberNotRegistered):
        Member.create(new_id()).add_skill("育婴师", "jobs:hr")


async def test_a_completed_course_adds_its_trade_to_the_member_once_and_matching_sees_it(infra, prefix):
    async with (
        running(infra, ROSTER, prefix) as roster,
        running(infra, JOBS, prefix) as jobs,
        jobs.client(headers=EMPLOYMENT) as http,
        roster.client(headers=REGISTRAR) as registrar,
    ):
        first17 = f"{COUNTY}19900101007"
        created = await registrar.post(
            "/members",
            json={
                "name": "杨秀英",
                "id_number": first17 + check_digit(first17),
                "phone": "13900000007",
                "origin_division_code": f"{COUNTY}101001",
                "current_city": "黎平",
                "skills": ["保洁"],
            },
        )
        assert created.status_code == 201, created.text
        mid = created.json()["member_id"]

        async def in_jobs() -> list[str] | None:
            skills = await jobs.pool.fetchval("SELECT skills FROM members WHERE member_id = $1::uuid", mid)
            return list(skills) if skills is not None else None

        assert await eventually(in_jobs) == ["保洁"]
        course = await http.post(
            "/courses",
            json={
                "title": "育婴师培训班",
                "trade": "育婴师",
                "provider": "黎平县职业技术学校",
                "place_division_code": f"{COUNTY}101000",
                "starts_on": (today() - timedelta(days=20)).isoformat(),
                "ends_on": (today() + timedelta(days=10)).isoformat(),
                "capacity": 5,
                "subsidy_fen": 150_000,
                "certificate": "育婴员（五级）",
                "area_division_code": f"{COUNTY}000000",
            },
        )
        cid = course.json()["course_id"]
        assert (await http.post(f"/courses/{cid}/enrolments", json={"member_id": mid})).status_code == 201
        done = await http.post(
            f"/courses/{cid}/enrolments/{mid}/completion", json={"completed_on": today().isoformat()}
        )
        assert done.status_code == 200, done.text

        async def learned() -> bool:
            return await in_jobs() == ["保洁", "育婴师"]

        await eventually(learned)
        member = (await registrar.get(f"/members/{mid}")).json()
        assert sorted(member["skills"]) == ["保洁", "育婴师"]

        # The completion again: as redelivered (same id) and as published anew (another id).
        stored = await jobs.pool.fetchrow(
            "SELECT event_id, stream_id, stream_version, type, data::text AS data, occurred_at FROM events"
            " WHERE type = 'kite.jobs.training-completed.v1'"
        )
        again = EventEnvelope(
            id=stored["event_id"],
            source="/kite/jobs",
            type=stored["type"],
            subject=stored["stream_id"],
            time=stored["occurred_at"],
            data=json.loads(stored["data"]),
            stream_version=stored["stream_version"],
        )
        anew = replace(again, id=new_id())
        producer = await create_producer(infra.kafka(prefix))
        try:
            for event in (again, anew):
                key, value, headers = encode(event)
                await producer.send_and_wait(topic_for("jobs", prefix), value=value, key=key, headers=headers)
        finally:
            await producer.stop()

        async def handled() -> bool:
            n = await roster.pool.fetchval(
                "SELECT count(*) FROM inbox WHERE consumer LIKE '%training-skills' AND event_id = $1", str(anew.id)
            )
            return n == 1

        await eventually(handled)
        updates = await roster.pool.fetchval(
            "SELECT count(*) FROM events WHERE type = $1 AND stream_id = $2", UPDATED, f"member-{mid}"
        )
        assert updates == 1

        # jobs' matching sees the new skill: a posting for 育婴师 finds the member among its candidates
        seeker = await http.put(
            f"/seekers/{mid}",
            json={
                "desired_division_code": f"{COUNTY}101001",
                "willing_to_move": True,
                "expected_wage_fen": 500_000,
                "available_from": today().isoformat(),
            },
        )
        assert seeker.status_code == 200, seeker.text
        employer = await http.post(
            "/employers",
            json={
                "name": "黎平某家政公司",
                "unified_social_credit_code": "91330106MA2CFQ0B1E",
                "hiring_division_code": f"{COUNTY}101001",
                "area_division_code": f"{COUNTY}000000",
            },
        )
        posting = await http.post(
            "/postings",
            json={
                "employer_id": employer.json()["employer_id"],
                "title": "育婴师",
                "skills_required": ["育婴师"],
                "headcount": 2,
                "wage_min_fen": 400_000,
                "wage_max_fen": 700_000,
                "place_division_code": f"{COUNTY}101001",
                "opens_on": today().isoformat(),
                "closes_on": (today() + timedelta(days=30)).isoformat(),
            },
        )
        matched = await http.post(f"/postings/{posting.json()['posting_id']}/match")
        assert matched.status_code in (200, 201), matched.text
        assert [m["member_id"] for m in matched.json()["items"]] == [mid]

        # ... and the certificate the course gave: a posting that requires it finds the member too
        certified = await http.post(
            "/postings",
            json={
                "employer_id": employer.json()["employer_id"],
                "title": "持证育婴员",
                "skills_required": ["育婴师"],
                "certificates_required": ["育婴员（五级）"],
                "headcount": 1,
                "wage_min_fen": 500_000,
                "wage_max_fen": 800_000,
                "place_division_code": f"{COUNTY}101001",
                "opens_on": today().isoformat(),
                "closes_on": (today() + timedelta(days=30)).isoformat(),
            },
        )
        assert certified.status_code == 201, certified.text
        matched = await http.post(f"/postings/{certified.json()['posting_id']}/match")
        assert matched.status_code in (200, 201), matched.text
        assert [m["member_id"] for m in matched.json()["items"]] == [mid]
