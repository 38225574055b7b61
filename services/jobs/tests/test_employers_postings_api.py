"""Employers and postings over real HTTP and PostgreSQL: create, read, list, verify, close; refuse bad
input with a Chinese problem and store nothing; nothing outside the caller's jurisdiction is seen."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from kite_common.clock import utcnow
from kite_common.testing.stack import answer, auth

COUNTY = "522631"  # 黎平县
STAFF = auth(["employment"], COUNTY, subject="liping-hr")
OTHER_STAFF = auth(["employment"], "522632", subject="rongjiang-hr")
STATION = auth(["hr-station"], COUNTY, subject="liping-hz-station")


def today() -> date:
    """Asked each time: a run may cross midnight."""
    return utcnow().date()


EMPLOYER = {
    "name": "杭州某电子厂",
    "unified_social_credit_code": "91330106MA2CFQ0B1E",
    "industry": "电子制造",
    "hiring_division_code": "330106001001",
    "area_division_code": "522631000000",
    "contacts": [{"name": "王经理", "role": "人事", "phone": "13912345678"}],
}


def posting_body(employer_id: str, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "employer_id": employer_id,
        "title": "电子厂普工",
        "trades": ["普工"],
        "skills_required": ["电工", "焊工"],
        "headcount": 10,
        "wage_min_fen": 600_000,
        "wage_max_fen": 900_000,
        "place_division_code": "330106001001",
        "place_label": "杭州",
        "housing": True,
        "meals": True,
        "age_min": 18,
        "age_max": 45,
        "certificates_required": ["电工证"],
        "opens_on": today().isoformat(),
        "closes_on": (today() + timedelta(days=60)).isoformat(),
    }
    body.update(overrides)
    return body


async def new_employer(http, **overrides: object) -> dict:
    created = await http.post("/employers", json=EMPLOYER | overrides)
    assert created.status_code == 201, created.text
    return created.json()


async def event_count(svc) -> int:
    return await svc.pool.fetchval("SELECT count(*) FROM events")


async def test_employer_is_registered_with_a_masked_contact_phone_encrypted_at_rest(jobs):
    async with jobs.client(headers=STAFF) as http:
        employer = await new_employer(http, unified_social_credit_code=" 91330106ma2cfq0b1e ")
        got = await http.get(f"/employers/{employer['employer_id']}")
    assert got.json() == employer and got.headers["etag"] == '"1"'
    assert employer["unified_social_credit_code"] == "91330106MA2CFQ0B1E"
    assert employer["hiring_division_code"] == "330106001001" and employer["verified"] is False
    (contact,) = employer["contacts"]
    assert (contact["name"], contact["role"], contact["phone_masked"]) == ("王经理", "人事", "139****5678")
    stored = await jobs.pool.fetchrow("SELECT phone_enc, phone_masked FROM employer_contact_pii")
    assert "13912345678" not in stored["phone_enc"] and stored["phone_masked"] == "139****5678"
    dump = await jobs.pool.fetchval("SELECT string_agg(data::text, '|') FROM events")
    assert (
        "13912345678" not in dump
        and await jobs.pool.fetchval("SELECT type FROM events") == "kite.jobs.employer-registered.v2"
    )


async def test_an_hr_station_verifies_an_employer_once_and_others_may_not(jobs):
    async with jobs.client(headers=STAFF) as http:
        employer = await new_employer(http)
        eid = employer["employer_id"]
        assert (await http.post(f"/employers/{eid}/verification", json={})).status_code == 403
    async with jobs.client(headers=STATION) as http:
        stale = await http.post(f"/employers/{eid}/verification", json={}, headers={"If-Match": '"7"'})
        verified = await http.post(f"/employers/{eid}/verification", json={"note": "实地核验"})
        again = await http.post(f"/employers/{eid}/verification", json={})
        only_verified = (await http.get("/employers", params={"verified": "true"})).json()
    assert stale.status_code == 412
    assert verified.status_code == 200, verified.text
    body = verified.json()
    assert body["verified"] is True and body["verified_by"] == "liping-hz-station" and body["version"] == 2
    assert again.status_code == 200 and again.json()["version"] == 2
    assert [e["employer_id"] for e in only_verified["items"]] == [eid]
    assert await jobs.pool.fetchval("SELECT count(*) FROM events WHERE type = 'kite.jobs.employer-verified.v1'") == 1


async def test_employers_and_postings_outside_the_jurisdiction_answer_as_missing(jobs):
    async with jobs.client(headers=STAFF) as http:
        employer = await new_employer(http)
        posting = (await http.post("/postings", json=posting_body(employer["employer_id"]))).json()
    missing = uuid.uuid4()
    async with jobs.client(headers=OTHER_STAFF) as http:
        pairs = [
            (f"/employers/{employer['employer_id']}", f"/employers/{missing}"),
            (f"/postings/{posting['posting_id']}", f"/postings/{missing}"),
            (f"/postings/{posting['posting_id']}/matches", f"/postings/{missing}/matches"),
        ]
        for there, nowhere in pairs:
            assert answer(await http.get(there)) == answer(await http.get(nowhere))
            assert (await http.get(there)).status_code == 404
        for verb in ("match", "closure"):
            kwargs = {"json": {}} if verb == "closure" else {}
            outside = await http.post(f"/postings/{posting['posting_id']}/{verb}", **kwargs)
            assert answer(outside) == answer(await http.post(f"/postings/{missing}/{verb}", **kwargs))
        assert (await http.get("/employers")).json()["items"] == []
        assert (await http.get("/postings")).json()["items"] == []
        foreign = await http.post("/postings", json=posting_body(employer["employer_id"]))
        assert foreign.status_code == 422 and foreign.json()["type"].endswith("/unknown-employer")
        elsewhere = await http.post("/employers", json=EMPLOYER | {"unified_social_credit_code": "91330100MA27XK3J4L"})
        assert elsewhere.status_code == 403
    assert await event_count(jobs) == 2


async def test_posting_is_opened_read_listed_and_closed(jobs):
    async with jobs.client(headers=STAFF) as http:
        employer = await new_employer(http)
        created = await http.post("/postings", json=posting_body(employer["employer_id"]))
        assert created.status_code == 201, created.text
        posting = created.json()
        assert created.headers["location"] == f"/postings/{posting['posting_id']}"
        assert posting["employer_name"] == "杭州某电子厂" and posting["employer_verified"] is False
        assert posting["skills_required"] == ["焊工", "电工"] and posting["status"] == "open"
        assert (posting["wage_min_fen"], posting["wage_max_fen"], posting["filled_count"]) == (600_000, 900_000, 0)
        assert posting["area_division_code"] == "522631000000"
        second = (
            await http.post("/postings", json=posting_body(employer["employer_id"], place_division_code="330203000000"))
        ).json()
        in_hangzhou = (await http.get("/postings", params={"place": "3301"})).json()
        closed = await http.post(f"/postings/{posting['posting_id']}/closure", json={"reason": "已招满"})
        open_ones = (await http.get("/postings", params={"status": "open"})).json()
        bad_cursor = await http.get("/postings", params={"cursor": "!!"})
    assert [p["posting_id"] for p in in_hangzhou["items"]] == [posting["posting_id"]]
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert closed.json()["close_reason"] == "已招满"
    assert [p["posting_id"] for p in open_ones["items"]] == [second["posting_id"]]
    assert bad_cursor.status_code == 400
    async with jobs.client(headers=auth(["viewer"], "52")) as http:
        assert (await http.get(f"/postings/{posting['posting_id']}")).json() == closed.json()


async def test_postings_page_by_cursor(jobs):
    async with jobs.client(headers=STAFF) as http:
        employer = await new_employer(http)
        ids = [
            (await http.post("/postings", json=posting_body(employer["employer_id"]))).json()["posting_id"]
            for _ in range(3)
        ]
        first = (await http.get("/postings", params={"limit": 2})).json()
        second = (await http.get("/postings", params={"limit": 2, "cursor": first["next_cursor"]})).json()
    assert [p["posting_id"] for p in first["items"] + second["items"]] == ids
    assert second["next_cursor"] is None


async def test_posting_for_an_unknown_employer_is_refused_and_nothing_is_stored(jobs):
    async with jobs.client(headers=STAFF) as http:
        response = await http.post("/postings", json=posting_body(str(uuid.uuid4())))
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"].endswith("/unknown-employer")
    assert problem["errors"][0]["field"] == "employer_id"
    assert await event_count(jobs) == 0


async def test_second_employer_with_the_same_credit_code_is_a_conflict(jobs):
    async with jobs.client(headers=STAFF) as http:
        first = await new_employer(http)
        second = await http.post("/employers", json=EMPLOYER | {"name": "同一家公司"})
    assert second.status_code == 409
    assert second.json()["existing_employer_id"] == first["employer_id"]
    assert await event_count(jobs) == 1


@pytest.mark.parametrize(
    ("override", "field", "words"),
    [
        ({"unified_social_credit_code": "91330106MA2CFQ0B1K"}, "unified_social_credit_code", "校验码"),
        ({"unified_social_credit_code": "91330106MA2CFQ0B1"}, "unified_social_credit_code", "18位"),
        ({"unified_social_credit_code": "9133010OMA2CFQ0B1E"}, "unified_social_credit_code", "字符"),
        ({"hiring_division_code": "杭州"}, "hiring_division_code", None),
        ({"area_division_code": "5226"}, "area_division_code", None),
        ({"name": ""}, "name", None),
        ({"contacts": [{"name": "王经理", "phone": "12345678"}]}, "contacts.0.phone", "联系电话"),
        ({"contact_phone": "13800000000"}, "contact_phone", None),
    ],
)
async def test_bad_employer_is_a_problem_and_stores_nothing(jobs, override, field, words):
    async with jobs.client(headers=STAFF) as http:
        response = await http.post("/employers", json=EMPLOYER | override)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    errors = [e for e in problem["errors"] if e["field"] == field]
    assert errors, problem
    if words:
        assert words in problem["detail"] and words in errors[0]["message"]
    assert await event_count(jobs) == 0
    assert await jobs.pool.fetchval("SELECT count(*) FROM employer_contact_pii") == 0


@pytest.mark.parametrize(
    ("override", "field", "words"),
    [
        ({"wage_min_fen": 1_200_000}, "wage_min_fen", "月薪下限不能高于上限"),
        ({"headcount": 0}, "headcount", None),
        ({"skills_required": []}, "skills_required", None),
        ({"skills_required": ["  "]}, "skills_required", "技能"),
        ({"place_division_code": "33010600100X"}, "place_division_code", None),
        ({"age_min": 50, "age_max": 20}, "age_min", "年龄"),
        ({"closes_on": (today() - timedelta(days=1)).isoformat()}, "closes_on", "截止日期"),
        ({"employer_id": "not-a-uuid"}, "employer_id", None),
        ({"wage_min": 6000}, "wage_min", None),
    ],
)
async def test_bad_posting_is_a_problem_and_stores_nothing(jobs, override, field, words):
    async with jobs.client(headers=STAFF) as http:
        employer = await new_employer(http)
        response = await http.post("/postings", json=posting_body(employer["employer_id"]) | override)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert any(e["field"] == field for e in problem["errors"]), problem
    if words:
        assert words in problem["detail"]
    assert await jobs.pool.fetchval("SELECT count(*) FROM postings") == 0
    assert await event_count(jobs) == 1  # the employer only


async def test_roles_decide_who_reads_and_writes(jobs):
    async with jobs.client() as http:
        assert (await http.get("/postings")).status_code == 401
        viewer, registrar = auth(["viewer"], COUNTY), auth(["registrar"], COUNTY)
        assert (await http.post("/employers", json=EMPLOYER, headers=viewer)).status_code == 403
        assert (await http.get("/postings", headers=registrar)).status_code == 403
        employer = (await http.post("/employers", json=EMPLOYER, headers=auth(["admin"], COUNTY))).json()
        posting = (await http.post("/postings", json=posting_body(employer["employer_id"]), headers=STAFF)).json()
        assert (await http.post(f"/postings/{posting['posting_id']}/match", headers=viewer)).status_code == 403
        assert (await http.post(f"/postings/{posting['posting_id']}/match", headers=STATION)).status_code == 403
        assert (await http.get(f"/postings/{posting['posting_id']}/matches", headers=viewer)).status_code == 200
        assert (await http.get(f"/employers/{employer['employer_id']}", headers=STATION)).status_code == 200


async def test_unknown_ids_are_not_found(jobs):
    missing = uuid.uuid4()
    async with jobs.client(headers=STAFF) as http:
        assert (await http.get(f"/employers/{missing}")).status_code == 404
        assert (await http.get(f"/postings/{missing}")).status_code == 404
        assert (await http.post(f"/postings/{missing}/match")).status_code == 404
        assert (await http.get(f"/postings/{missing}/matches")).status_code == 404
        assert (await http.get(f"/seekers/{missing}")).status_code == 404
    assert await event_count(jobs) == 0
