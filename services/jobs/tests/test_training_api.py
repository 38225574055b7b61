"""Skills training over real HTTP: courses in the caller's jurisdiction, enrolment within capacity,
completions that publish the skill (training-completed) for roster, refusals that change nothing."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from kite_common.clock import utcnow
from kite_common.testing.stack import answer, auth, eventually
from kite_roster.shared.identity import check_digit

COUNTY = "522631"
STAFF = auth(["employment"], COUNTY, subject="liping-hr")
OTHER_STAFF = auth(["employment"], "522632", subject="rongjiang-hr")


def today() -> date:
    """Asked each time: a run may cross midnight."""
    return utcnow().date()


def course_body(**overrides: object) -> dict[str, object]:
    return {
        "title": "育婴师培训班",
        "trade": "育婴师",
        "provider": "黎平县职业技术学校",
        "place_division_code": f"{COUNTY}101000",
        "starts_on": (today() - timedelta(days=20)).isoformat(),
        "ends_on": (today() + timedelta(days=10)).isoformat(),
        "capacity": 2,
        "subsidy_fen": 150_000,
        "certificate": "育婴员（五级）",
        "area_division_code": f"{COUNTY}000000",
    } | overrides


async def member(stack, seq: int) -> str:
    first17 = f"{COUNTY}19900101{seq:03d}"
    body = {
        "name": f"学员{seq}",
        "id_number": first17 + check_digit(first17),
        "phone": f"139{seq:08d}",
        "origin_division_code": f"{COUNTY}101001",
        "current_city": "黎平",
    }
    async with stack.roster.client(headers=auth(["registrar"], COUNTY)) as http:
        created = await http.post("/members", json=body)
    assert created.status_code == 201, created.text
    mid = created.json()["member_id"]

    async def arrived() -> bool:
        return await stack.jobs.pool.fetchval("SELECT count(*) FROM members WHERE member_id = $1::uuid", mid) == 1

    await eventually(arrived)
    return mid


async def test_a_course_enrols_within_capacity_and_a_completion_publishes_the_skill(stack):
    a, b, c = [await member(stack, n) for n in (1, 2, 3)]
    async with stack.jobs.client(headers=STAFF) as http:
        created = await http.post("/courses", json=course_body())
        assert created.status_code == 201, created.text
        cid = created.json()["course_id"]
        for m in (a, b):
            assert (await http.post(f"/courses/{cid}/enrolments", json={"member_id": m})).status_code == 201
        twice = await http.post(f"/courses/{cid}/enrolments", json={"member_id": a})
        full = await http.post(f"/courses/{cid}/enrolments", json={"member_id": c})
        early = await http.post(
            f"/courses/{cid}/enrolments/{a}/completion",
            json={"completed_on": (today() - timedelta(days=30)).isoformat()},
        )
        done = await http.post(f"/courses/{cid}/enrolments/{a}/completion", json={"completed_on": today().isoformat()})
        not_enrolled = await http.post(
            f"/courses/{cid}/enrolments/{c}/completion", json={"completed_on": today().isoformat()}
        )
        enrolments = (await http.get(f"/courses/{cid}/enrolments")).json()["items"]
    assert twice.status_code == 409 and full.status_code == 409 and full.json()["type"].endswith("/course-full")
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "completed_on"
    assert not_enrolled.status_code == 404
    assert done.status_code == 200 and (done.json()["enrolled_count"], done.json()["completed_count"]) == (2, 1)
    assert {e["member_id"]: e["skill"] for e in enrolments} == {a: "育婴师", b: None}
    (event,) = await stack.jobs.pool.fetch("SELECT data FROM events WHERE type = 'kite.jobs.training-completed.v1'")
    assert (event["data"]["member_id"], event["data"]["skill"], event["data"]["certificate"]) == (
        a,
        "育婴师",
        "育婴员（五级）",
    )


async def test_courses_outside_the_jurisdiction_are_forbidden_to_open_and_missing_to_read(jobs):
    async with jobs.client(headers=STAFF) as http:
        cid = (await http.post("/courses", json=course_body())).json()["course_id"]
        elsewhere = await http.post("/courses", json=course_body(area_division_code="522632000000"))
    assert elsewhere.status_code == 403
    async with jobs.client(headers=OTHER_STAFF) as http:
        assert answer(await http.get(f"/courses/{cid}")) == answer(await http.get(f"/courses/{uuid.uuid4()}"))
        assert (await http.get("/courses")).json()["items"] == []
        outside = await http.post(f"/courses/{cid}/enrolments", json={"member_id": str(uuid.uuid4())})
        assert outside.status_code == 404
    assert await jobs.pool.fetchval("SELECT count(*) FROM events") == 1


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"capacity": 0}, "capacity"),
        ({"ends_on": (today() - timedelta(days=30)).isoformat()}, "ends_on"),
        ({"trade": " "}, "trade"),
        ({"place_division_code": "黎平"}, "place_division_code"),
        ({"subsidy_fen": -1}, "subsidy_fen"),
    ],
)
async def test_a_bad_course_is_refused_and_stores_nothing(jobs, override, field):
    async with jobs.client(headers=STAFF) as http:
        response = await http.post("/courses", json=course_body(**override))
    assert response.status_code == 422, response.text
    assert any(e["field"] == field for e in response.json()["errors"])
    assert await jobs.pool.fetchval("SELECT count(*) FROM events") == 0
