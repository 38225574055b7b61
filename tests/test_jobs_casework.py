"""Jobs and casework together, over real HTTP, PostgreSQL and Kafka: a problem reported at a retention
follow-up (稳岗回访) opens one casework case for the member — channel 其他系统转来, naming the employer —
however often the event comes; and that wage case enters the employer's labour-rights record in jobs,
marking its postings for staff until it is resolved."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta

from kite_casework.service import SERVICE as CASEWORK
from kite_common.clock import utcnow
from kite_common.events import EventEnvelope
from kite_common.ids import new_id
from kite_common.messaging.cloudevents_kafka import encode, topic_for
from kite_common.messaging.producer import create_producer
from kite_common.testing.stack import auth, eventually, running
from kite_jobs.service import SERVICE as JOBS
from kite_roster.service import SERVICE as ROSTER
from kite_roster.shared.identity import check_digit

COUNTY = "522631"  # 黎平县
VILLAGE = f"{COUNTY}101001"
EMPLOYMENT = auth(["employment"], COUNTY, subject="liping-hr")
CASEWORKER = auth(["caseworker"], COUNTY, subject="liping-desk")
REGISTRAR = auth(["registrar"], COUNTY)


def today() -> date:
    return utcnow().date()


async def publish_again(infra, prefix: str, *events: EventEnvelope) -> None:
    producer = await create_producer(infra.kafka(prefix))
    try:
        for event in events:
            key, value, headers = encode(event)
            await producer.send_and_wait(topic_for("jobs", prefix), value=value, key=key, headers=headers)
    finally:
        await producer.stop()


async def test_a_follow_up_problem_opens_one_case_that_marks_the_employer(infra, prefix, monkeypatch):
    monkeypatch.setenv("KITE_CASEWORK_SLA_WATCH_ENABLED", "false")
    async with (
        running(infra, ROSTER, prefix, roles=("api", "relay")) as roster,
        running(infra, JOBS, prefix) as jobs,
        running(infra, CASEWORK, prefix) as casework,
        jobs.client(headers=EMPLOYMENT) as http,
        casework.client(headers=CASEWORKER) as desk,
    ):
        first17 = f"{COUNTY}19900101001"
        async with roster.client(headers=REGISTRAR) as r:
            created = await r.post(
                "/members",
                json={
                    "name": "吴老三",
                    "id_number": first17 + check_digit(first17),
                    "phone": "13800000001",
                    "origin_division_code": VILLAGE,
                    "current_city": "杭州",
                    "skills": ["电工"],
                },
            )
        assert created.status_code == 201, created.text
        member_id = created.json()["member_id"]

        employer = (
            await http.post(
                "/employers",
                json={
                    "name": "杭州某电子厂",
                    "unified_social_credit_code": "91330106MA2CFQ0B1E",
                    "hiring_division_code": "330106001001",
                    "area_division_code": f"{COUNTY}000000",
                },
            )
        ).json()
        employer_id = employer["employer_id"]
        opened = await http.post(
            "/postings",
            json={
                "employer_id": employer_id,
                "title": "电子厂普工",
                "skills_required": ["电工"],
                "headcount": 5,
                "wage_min_fen": 600_000,
                "wage_max_fen": 900_000,
                "place_division_code": "330106001001",
                "opens_on": today().isoformat(),
                "closes_on": (today() + timedelta(days=30)).isoformat(),
            },
        )
        posting_id = opened.json()["posting_id"]

        async def member_known() -> bool:
            in_jobs = await jobs.pool.fetchval("SELECT count(*) FROM members WHERE member_id = $1::uuid", member_id)
            in_casework = await casework.pool.fetchval(
                "SELECT (SELECT count(*) FROM member_directory WHERE member_id = $1::uuid)"
                " + (SELECT count(*) FROM employer_directory WHERE employer_id = $2::uuid)",
                member_id,
                employer_id,
            )
            return in_jobs == 1 and in_casework == 2

        await eventually(member_known)
        applied = await http.post(f"/postings/{posting_id}/applications", json={"member_id": member_id})
        assert applied.status_code == 201, applied.text
        hire = {"start_date": (today() - timedelta(days=40)).isoformat(), "wage_fen": 750_000}
        placement = (await http.post(f"/postings/{posting_id}/applications/{member_id}/hire", json=hire)).json()
        placement_id = placement["placement_id"]

        follow_up = {
            "month": 1,
            "followed_up_on": today().isoformat(),
            "still_employed": True,
            "wage_paid_on_time": False,
            "problems": "两个月工资未发",
            "problem_kind": "wage_unpaid",
        }
        recorded = await http.post(f"/placements/{placement_id}/follow-ups", json=follow_up)
        assert recorded.status_code == 200, recorded.text
        assert recorded.json()["follow_ups"][0]["problem_kind"] == "wage_unpaid"

        async def the_case() -> dict | None:
            listed = (await desk.get("/cases", params={"member_id": member_id})).json()["items"]
            return listed[0] if listed else None

        case = await eventually(the_case)
        got = (await desk.get(f"/cases/{case['case_id']}")).json()
        assert (got["category"], got["channel"], got["source_system"]) == ("wage_arrears", "system_referral", "jobs")
        assert got["external_reference"] == f"placement-{placement_id}/follow-up-1"
        assert "两个月工资未发" in got["description"] and got["work_division_code"] == "330106001001"
        assert got["employer"]["employer_id"] == employer_id and got["employer"]["placement_id"] == placement_id

        # The event again, as redelivered (same id: the inbox) and as published anew (another id: the
        # reference): still one case.
        stored = await jobs.pool.fetchrow(
            "SELECT event_id, stream_id, stream_version, type, data::text AS data, occurred_at FROM events"
            " WHERE type = $1",
            "kite.jobs.placement-follow-up-recorded.v1",
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
        await publish_again(infra, prefix, again, anew)

        async def both_handled() -> bool:
            n = await casework.pool.fetchval(
                "SELECT count(*) FROM inbox WHERE consumer LIKE '%follow-up-problems' AND event_id::text = ANY($1)",
                [str(again.id), str(anew.id)],
            )
            return n == 2

        await eventually(both_handled)
        assert await casework.pool.fetchval("SELECT count(*) FROM cases WHERE member_id = $1::uuid", member_id) == 1

        # The case, back in jobs: the employer's record and its posting, marked for staff.
        async def marked() -> bool:
            posting = (await http.get(f"/postings/{posting_id}")).json()
            return posting["marked_wage_arrears"] is True

        await eventually(marked)
        record = (await http.get(f"/employers/{employer_id}")).json()["rights_record"]
        assert (record["open_cases"], record["open_wage_cases"]) == (1, 1)
