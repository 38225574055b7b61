"""Employers and postings over real HTTP and PostgreSQL: create, read, list, refuse bad input."""

from __future__ import annotations

import uuid

import pytest
from kite_common.testing.stack import auth

STAFF = auth(["employment"], "522631", subject="liping-hr")

EMPLOYER = {
    "name": "成都某建筑公司",
    "unified_social_credit_code": "91510100MA61RXY02P",
    "city": "成都",
    "area_division_code": "510104001001",
    "contact_name": "李经理",
}


def posting_body(employer_id: str, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "employer_id": employer_id,
        "title": "钢筋工",
        "city": "成都",
        "skills_required": ["钢筋工", "架子工"],
        "headcount": 10,
        "wage_min": 7000,
        "wage_max": 10000,
        "area_division_code": "510104001001",
    }
    body.update(overrides)
    return body


async def new_employer(http, **overrides: object) -> dict:
    created = await http.post("/employers", json=EMPLOYER | overrides)
    assert created.status_code == 201, created.text
    return created.json()


async def event_count(svc) -> int:
    return await svc.pool.fetchval("SELECT count(*) FROM events")


async def test_employer_and_posting_are_created_and_read_back(jobs):
    async with jobs.client(headers=STAFF) as http:
        employer = await new_employer(http)
        assert (await http.get(f"/employers/{employer['employer_id']}")).json() == employer
        created = await http.post("/postings", json=posting_body(employer["employer_id"]))
        assert created.status_code == 201, created.text
        posting = created.json()
        assert created.headers["location"] == f"/postings/{posting['posting_id']}"
        assert posting["employer_name"] == "成都某建筑公司"
        assert posting["skills_required"] == ["架子工", "钢筋工"] and posting["matched_count"] == 0
    async with jobs.client(headers=auth(["viewer"], "52")) as http:
        assert (await http.get(f"/postings/{posting['posting_id']}")).json() == posting
    data = await jobs.pool.fetchval("SELECT data::text FROM events WHERE type = 'kite.jobs.employer-registered.v1'")
    assert "phone" not in data


async def test_postings_are_listed_by_city_page_by_page(jobs):
    async with jobs.client(headers=STAFF) as http:
        employer = await new_employer(http)
        ids = []
        for city in ("成都", "杭州", "成都", "成都"):
            created = await http.post("/postings", json=posting_body(employer["employer_id"], city=city))
            ids.append(created.json()["posting_id"])
        first = (await http.get("/postings", params={"city": "成都", "limit": 2})).json()
        after = {"city": "成都", "limit": 2, "cursor": first["next_cursor"]}
        second = (await http.get("/postings", params=after)).json()
        everything = (await http.get("/postings")).json()
        bad_cursor = await http.get("/postings", params={"cursor": "!!"})
    assert [p["posting_id"] for p in first["items"] + second["items"]] == [ids[0], ids[2], ids[3]]
    assert second["next_cursor"] is None
    assert [p["posting_id"] for p in everything["items"]] == ids
    assert bad_cursor.status_code == 400


async def test_posting_for_an_unknown_employer_is_refused_and_nothing_is_stored(jobs):
    async with jobs.client(headers=STAFF) as http:
        response = await http.post("/postings", json=posting_body(str(uuid.uuid4())))
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"].endswith("/unknown-employer")
    assert problem["errors"][0]["field"] == "employer_id"
    assert await event_count(jobs) == 0
    assert await jobs.pool.fetchval("SELECT count(*) FROM postings") == 0


async def test_second_employer_with_the_same_credit_code_is_a_conflict(jobs):
    async with jobs.client(headers=STAFF) as http:
        first = await new_employer(http)
        second = await http.post("/employers", json=EMPLOYER | {"name": "同一家公司"})
    assert second.status_code == 409
    assert second.json()["existing_employer_id"] == first["employer_id"]
    assert await event_count(jobs) == 1


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"unified_social_credit_code": "91510100MA61RXY02"}, "unified_social_credit_code"),
        ({"unified_social_credit_code": "9151010OMA61RXY02P"}, "unified_social_credit_code"),
        ({"area_division_code": "5101"}, "area_division_code"),
        ({"name": ""}, "name"),
        ({"contact_phone": "13800000000"}, "contact_phone"),
    ],
)
async def test_bad_employer_is_a_problem_and_stores_nothing(jobs, override, field):
    async with jobs.client(headers=STAFF) as http:
        response = await http.post("/employers", json=EMPLOYER | override)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert any(e["field"] == field for e in problem["errors"])
    assert await event_count(jobs) == 0


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"wage_min": 12000}, "wage_min"),
        ({"headcount": 0}, "headcount"),
        ({"skills_required": []}, "skills_required"),
        ({"skills_required": ["  "]}, "skills_required"),
        ({"area_division_code": "51010400100X"}, "area_division_code"),
        ({"employer_id": "not-a-uuid"}, "employer_id"),
    ],
)
async def test_bad_posting_is_a_problem_and_stores_nothing(jobs, override, field):
    async with jobs.client(headers=STAFF) as http:
        employer = await new_employer(http)
        response = await http.post("/postings", json=posting_body(employer["employer_id"]) | override)
    assert response.status_code == 422, response.text
    assert any(e["field"] == field for e in response.json()["errors"])
    assert await jobs.pool.fetchval("SELECT count(*) FROM postings") == 0


async def test_roles_decide_who_reads_and_writes(jobs):
    async with jobs.client() as http:
        assert (await http.get("/postings")).status_code == 401
        viewer, registrar = auth(["viewer"], "522631"), auth(["registrar"], "522631")
        assert (await http.post("/employers", json=EMPLOYER, headers=viewer)).status_code == 403
        assert (await http.get("/postings", headers=registrar)).status_code == 403
        employer = (await http.post("/employers", json=EMPLOYER, headers=auth(["admin"], "522631"))).json()
        posting = (await http.post("/postings", json=posting_body(employer["employer_id"]), headers=STAFF)).json()
        assert (await http.post(f"/postings/{posting['posting_id']}/match", headers=viewer)).status_code == 403
        assert (await http.get(f"/postings/{posting['posting_id']}/matches", headers=viewer)).status_code == 200
        assert (await http.get(f"/employers/{employer['employer_id']}", headers=viewer)).status_code == 200


async def test_unknown_ids_are_not_found(jobs):
    missing = uuid.uuid4()
    async with jobs.client(headers=STAFF) as http:
        assert (await http.get(f"/employers/{missing}")).status_code == 404
        assert (await http.get(f"/postings/{missing}")).status_code == 404
        assert (await http.post(f"/postings/{missing}/match")).status_code == 404
        assert (await http.get(f"/postings/{missing}/matches")).status_code == 404
    assert await event_count(jobs) == 0
