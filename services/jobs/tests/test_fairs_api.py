"""Job fairs over real HTTP: a fair with employers and postings, registrations (some invited),
check-in, offers, placements within N days, the results row and its export; refusals change nothing."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, timedelta

import pytest
from kite_common.clock import utcnow
from kite_common.domain import Conflict
from kite_common.identifiers.credit_code import check_character
from kite_common.testing.stack import answer, auth, eventually
from kite_jobs.domain.fair import Fair, FairDetails
from kite_roster.shared.identity import check_digit

COUNTY = "522631"
STAFF = auth(["employment"], COUNTY, subject="liping-hr")
OTHER_STAFF = auth(["employment"], "522632", subject="rongjiang-hr")


def today() -> date:
    """Asked each time: a run may cross midnight."""
    return utcnow().date()


FAIR = {
    "title": "浙江企业黎平专场招聘会",
    "organisers": ["黎平县人社局", "杭州市人社局"],
    "held_on": today().isoformat(),
    "place_division_code": f"{COUNTY}100000",
    "area_division_code": f"{COUNTY}000000",
}


async def member(stack, seq: int, county: str = COUNTY) -> str:
    first17 = f"{county}19900101{seq:03d}"
    body = {
        "name": f"求职者{seq}",
        "id_number": first17 + check_digit(first17),
        "phone": f"137{seq:08d}",
        "origin_division_code": f"{county}101001",
        "current_city": "黎平",
    }
    async with stack.roster.client(headers=auth(["registrar"], county)) as http:
        created = await http.post("/members", json=body)
    assert created.status_code == 201, created.text
    return created.json()["member_id"]


async def employer_with_postings(http, code: str, n: int) -> tuple[str, list[str]]:
    employer = await http.post(
        "/employers",
        json={
            "name": f"浙江某厂{code[-3:]}",
            "unified_social_credit_code": code,
            "hiring_division_code": "330106001001",
            "area_division_code": f"{COUNTY}000000",
        },
    )
    assert employer.status_code == 201, employer.text
    eid = employer.json()["employer_id"]
    postings = []
    for i in range(n):
        created = await http.post(
            "/postings",
            json={
                "employer_id": eid,
                "title": f"普工{i}",
                "skills_required": ["普工"],
                "headcount": 10,
                "wage_min_fen": 500_000,
                "wage_max_fen": 700_000,
                "place_division_code": "330106001001",
                "opens_on": today().isoformat(),
                "closes_on": (today() + timedelta(days=30)).isoformat(),
            },
        )
        postings.append(created.json()["posting_id"])
    return eid, postings


async def test_a_fair_from_registration_to_placement_gives_its_results_row(stack):
    a, b, c = [await member(stack, n) for n in (1, 2, 3)]

    async def arrived() -> bool:
        return await stack.jobs.pool.fetchval("SELECT count(*) FROM members") == 3

    await eventually(arrived)
    async with stack.jobs.client(headers=STAFF) as http:
        created = await http.post("/fairs", json=FAIR)
        assert created.status_code == 201, created.text
        fid = created.json()["fair_id"]
        e1, p1 = await employer_with_postings(http, "91330106MA2CFQ0B1E", 2)
        e2, p2 = await employer_with_postings(http, "91330100MA27XK3J4L", 1)
        assert (
            await http.post(f"/fairs/{fid}/employers", json={"employer_id": e1, "posting_ids": p1})
        ).status_code == 200
        assert (
            await http.post(f"/fairs/{fid}/employers", json={"employer_id": e2, "posting_ids": p2})
        ).status_code == 200
        wrong = await http.post(f"/fairs/{fid}/employers", json={"employer_id": e1, "posting_ids": p2})
        assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "posting_ids"
        for m, invited in ((a, True), (b, False), (c, False)):
            await http.post(f"/fairs/{fid}/registrations", json={"member_id": m, "invited": invited})
        for m in (a, b):
            assert (await http.post(f"/fairs/{fid}/check-ins", json={"member_id": m})).status_code == 200
        no_show = await http.post(f"/fairs/{fid}/offers", json={"member_id": c, "posting_id": p1[0]})
        assert no_show.status_code == 409
        for m, p in ((a, p1[0]), (b, p2[0])):
            assert (await http.post(f"/fairs/{fid}/offers", json={"member_id": m, "posting_id": p})).status_code == 200
        await http.post(f"/postings/{p1[0]}/applications", json={"member_id": a})
        hired = await http.post(
            f"/postings/{p1[0]}/applications/{a}/hire", json={"start_date": today().isoformat(), "wage_fen": 600_000}
        )
        assert hired.status_code == 201, hired.text
        results = (await http.get(f"/fairs/{fid}")).json()
        exported = await http.get("/ledgers/fairs", params={"format": "csv"})
    counts = {k: results[k] for k in ("employers", "postings", "registered", "invited", "attended", "offers", "placed")}
    assert counts == {
        "employers": 2,
        "postings": 3,
        "registered": 3,
        "invited": 1,
        "attended": 2,
        "offers": 2,
        "placed": 1,
    }
    lines = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert lines[0][0] == "招聘会编号" and len(lines) == 2 and lines[1][1] == FAIR["title"]
    assert lines[1][-1] == "1"


async def test_fairs_outside_are_missing_and_bad_fairs_are_refused_without_a_trace(stack):
    theirs = await member(stack, 9, county="522632")

    async def arrived() -> bool:
        return await stack.jobs.pool.fetchval("SELECT count(*) FROM members") == 1

    await eventually(arrived)
    async with stack.jobs.client(headers=STAFF) as http:
        fid = (await http.post("/fairs", json=FAIR)).json()["fair_id"]
        no_place = await http.post("/fairs", json=FAIR | {"place_division_code": None})
        past = await http.post("/fairs", json=FAIR | {"held_on": (today() - timedelta(days=1)).isoformat()})
        elsewhere = await http.post("/fairs", json=FAIR | {"area_division_code": "522632000000"})
        outsider = await http.post(f"/fairs/{fid}/registrations", json={"member_id": theirs})
    assert no_place.status_code == 422 and no_place.json()["errors"][0]["field"] == "place_division_code"
    assert past.status_code == 422 and past.json()["errors"][0]["field"] == "held_on"
    assert elsewhere.status_code == 403
    assert outsider.status_code == 422 and outsider.json()["type"].endswith("/unknown-member")
    async with stack.jobs.client(headers=OTHER_STAFF) as http:
        assert answer(await http.get(f"/fairs/{fid}")) == answer(await http.get(f"/fairs/{uuid.uuid4()}"))
        assert (await http.get("/ledgers/fairs")).json()["items"] == []
    assert await stack.jobs.pool.fetchval("SELECT count(*) FROM events") == 1


def test_check_in_is_refused_before_the_fair_day_and_an_online_fair_has_no_place():
    fair = Fair(uuid.UUID(int=1))
    held_on = date(2026, 5, 1)
    fair.organise(
        FairDetails("线上招聘会", ["县人社局"], held_on, online=True), "522631000000", "staff", date(2026, 4, 1)
    )
    assert fair.organised is not None and fair.organised.place_division_code is None
    fair.register(uuid.UUID(int=2), "522631101001", False, "staff", date(2026, 4, 2))
    with pytest.raises(Conflict):
        fair.check_in(uuid.UUID(int=2), "staff", date(2026, 4, 30))
    assert fair.check_in(uuid.UUID(int=2), "staff", held_on)
    with pytest.raises(Conflict):
        fair.register(uuid.UUID(int=3), "522631101001", False, "staff", date(2026, 5, 2))


async def test_a_fairs_registrations_are_listed_by_page_without_personal_numbers_and_only_in_its_county(stack):
    mine = [await member(stack, n) for n in (21, 22, 23)]

    async def arrived() -> bool:
        return await stack.jobs.pool.fetchval("SELECT count(*) FROM members") == 3

    await eventually(arrived)
    async with stack.jobs.client(headers=STAFF) as http:
        fid = (await http.post("/fairs", json=FAIR)).json()["fair_id"]
        for m, invited in zip(mine, (True, False, True), strict=True):
            await http.post(f"/fairs/{fid}/registrations", json={"member_id": m, "invited": invited})
        await http.post(f"/fairs/{fid}/check-ins", json={"member_id": mine[0]})
        first = await http.get(f"/fairs/{fid}/registrations", params={"limit": 2})
        second = await http.get(
            f"/fairs/{fid}/registrations", params={"limit": 2, "cursor": first.json()["next_cursor"]}
        )
        invitees = (await http.get(f"/fairs/{fid}/registrations", params={"invited": "true"})).json()
        bad_cursor = await http.get(f"/fairs/{fid}/registrations", params={"cursor": "!!"})
        missing = await http.get(f"/fairs/{uuid.uuid4()}/registrations")
    async with stack.jobs.client(headers=OTHER_STAFF) as http:
        outside = await http.get(f"/fairs/{fid}/registrations")
    listed = first.json()["items"] + second.json()["items"]
    assert first.status_code == 200 and second.json()["next_cursor"] is None
    assert sorted(i["member_id"] for i in listed) == sorted(mine)
    assert {i["member_name"] for i in listed} == {"求职者21", "求职者22", "求职者23"}
    assert [i["checked_in_at"] is not None for i in listed if i["member_id"] == mine[0]] == [True]
    assert sorted(i["member_id"] for i in invitees["items"]) == sorted([mine[0], mine[2]])
    assert "id_number" not in first.text and "phone" not in first.text and "137000000" not in first.text
    assert bad_cursor.status_code == 400 and bad_cursor.headers["content-type"] == "application/problem+json"
    assert missing.status_code == 404 and answer(outside) == answer(missing)


async def test_a_fairs_employers_and_postings_are_listed_by_page_and_only_in_its_county(stack):
    codes = [first17 + check_character(first17) for first17 in ("91330106MA2CFQ7B1", "91330100MA27XK8J4")]
    async with stack.jobs.client(headers=STAFF) as http:
        fid = (await http.post("/fairs", json=FAIR)).json()["fair_id"]
        e1, p1 = await employer_with_postings(http, codes[0], 2)
        e2, p2 = await employer_with_postings(http, codes[1], 1)
        for eid, pids in ((e1, p1), (e2, p2)):
            joined = await http.post(f"/fairs/{fid}/employers", json={"employer_id": eid, "posting_ids": pids})
            assert joined.status_code == 200, joined.text
        employers = await http.get(f"/fairs/{fid}/employers", params={"limit": 1})
        employers_next = await http.get(
            f"/fairs/{fid}/employers", params={"limit": 1, "cursor": employers.json()["next_cursor"]}
        )
        first = await http.get(f"/fairs/{fid}/postings", params={"limit": 2})
        second = await http.get(f"/fairs/{fid}/postings", params={"limit": 2, "cursor": first.json()["next_cursor"]})
        of_e1 = (await http.get(f"/fairs/{fid}/postings", params={"employer_id": e1})).json()
        bad_cursor = await http.get(f"/fairs/{fid}/postings", params={"cursor": "!!"})
        missing = [await http.get(f"/fairs/{uuid.uuid4()}/{kind}") for kind in ("employers", "postings")]
    async with stack.jobs.client(headers=OTHER_STAFF) as http:
        outside = [await http.get(f"/fairs/{fid}/{kind}") for kind in ("employers", "postings")]
    listed_employers = employers.json()["items"] + employers_next.json()["items"]
    assert employers_next.json()["next_cursor"] is None
    assert {(e["employer_id"], e["postings"]) for e in listed_employers} == {(e1, 2), (e2, 1)}
    assert {e["employer_name"] for e in listed_employers} == {f"浙江某厂{codes[0][-3:]}", f"浙江某厂{codes[1][-3:]}"}
    listed = first.json()["items"] + second.json()["items"]
    assert second.json()["next_cursor"] is None
    assert sorted(p["posting_id"] for p in listed) == sorted(p1 + p2)
    assert {(p["title"], p["wage_min_fen"], p["employer_id"]) for p in listed if p["posting_id"] == p2[0]} == {
        ("普工0", 500_000, e2)
    }
    assert sorted(p["posting_id"] for p in of_e1["items"]) == sorted(p1)
    assert bad_cursor.status_code == 400 and bad_cursor.headers["content-type"] == "application/problem+json"
    for found_nowhere, found_elsewhere in zip(missing, outside, strict=True):
        assert found_nowhere.status_code == 404 and answer(found_elsewhere) == answer(found_nowhere)
