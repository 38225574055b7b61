"""Return-home business and talent recall over real HTTP: ventures with investment, jobs and support,
their ledger; a recall campaign's talent pool and outcomes; refusals change nothing."""

from __future__ import annotations

import csv
import io
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


async def member(stack, seq: int, skills: list[str], county: str = COUNTY) -> str:
    first17 = f"{county}19850101{seq:03d}"
    body = {
        "name": f"能人{seq}",
        "id_number": first17 + check_digit(first17),
        "phone": f"136{seq:08d}",
        "origin_division_code": f"{county}101001",
        "current_city": "深圳",
        "skills": skills,
    }
    async with stack.roster.client(headers=auth(["registrar"], county)) as http:
        created = await http.post("/members", json=body)
    assert created.status_code == 201, created.text
    return created.json()["member_id"]


async def mirrored(stack, n: int) -> None:
    async def arrived() -> bool:
        return await stack.jobs.pool.fetchval("SELECT count(*) FROM members") == n

    await eventually(arrived)


def venture_body(member_id: str, **overrides: object) -> dict[str, object]:
    return {
        "member_id": member_id,
        "name": "侗绣扶贫车间",
        "industry": "手工业",
        "place_division_code": f"{COUNTY}101001",
        "started_on": (today() - timedelta(days=100)).isoformat(),
        "investment_fen": 50_000_000,
        "jobs_created": 40,
    } | overrides


async def test_a_venture_records_support_and_jobs_and_adds_up_in_its_ledger(stack):
    boss = await member(stack, 1, ["绣娘"])
    await mirrored(stack, 1)
    async with stack.jobs.client(headers=STAFF) as http:
        created = await http.post("/ventures", json=venture_body(boss))
        assert created.status_code == 201, created.text
        vid = created.json()["venture_id"]
        loan = {"kind": "loan", "amount_fen": 20_000_000, "given_on": (today() - timedelta(days=50)).isoformat()}
        assert (await http.post(f"/ventures/{vid}/support", json=loan)).status_code == 200
        site = {"kind": "site", "given_on": today().isoformat(), "note": "村集体厂房"}
        assert (await http.post(f"/ventures/{vid}/support", json=site)).status_code == 200
        too_early = {"kind": "subsidy", "amount_fen": 1, "given_on": (today() - timedelta(days=200)).isoformat()}
        early = await http.post(f"/ventures/{vid}/support", json=too_early)
        report = {"jobs_created": 65, "investment_fen": 80_000_000, "reported_on": today().isoformat()}
        reported = await http.post(f"/ventures/{vid}/jobs-report", json=report)
        ledger = (await http.get("/ledgers/ventures")).json()
        exported = await http.get("/ledgers/ventures", params={"format": "csv", "level": "village"})
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "given_on"
    body = reported.json()
    assert (body["jobs_created"], body["investment_fen"], body["support_fen"], body["support_count"]) == (
        65,
        80_000_000,
        20_000_000,
        2,
    )
    assert ledger["items"] == [
        {
            "area_division_code": f"{COUNTY}000000",
            "ventures": 1,
            "investment_fen": 80_000_000,
            "jobs_created": 65,
            "support_fen": 20_000_000,
        }
    ]
    lines = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert lines[0][0] == "区划代码" and lines[1] == [f"{COUNTY}101001", "1", "80000000", "65", "20000000"]


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"investment_fen": -1}, "investment_fen"),
        ({"started_on": (today() + timedelta(days=1)).isoformat()}, "started_on"),
        ({"place_division_code": "黎平"}, "place_division_code"),
        ({"name": ""}, "name"),
    ],
)
async def test_a_bad_venture_is_refused_and_stores_nothing(jobs, override, field):
    async with jobs.client(headers=STAFF) as http:
        response = await http.post("/ventures", json=venture_body(str(uuid.uuid4()), **override))
    assert response.status_code == 422, response.text
    assert any(e["field"] == field for e in response.json()["errors"])
    assert await jobs.pool.fetchval("SELECT count(*) FROM events") == 0


async def test_ventures_and_campaigns_outside_answer_as_missing_and_cannot_be_made_there(stack):
    boss = await member(stack, 2, ["电工"])
    await mirrored(stack, 1)
    async with stack.jobs.client(headers=STAFF) as http:
        vid = (await http.post("/ventures", json=venture_body(boss))).json()["venture_id"]
        elsewhere = await http.post("/ventures", json=venture_body(boss, place_division_code="522632101001"))
        cid = (
            await http.post(
                "/recall-campaigns",
                json={"title": "能人回乡", "skills_wanted": ["电工"], "area_division_code": f"{COUNTY}000000"},
            )
        ).json()["campaign_id"]
    assert elsewhere.status_code == 403
    async with stack.jobs.client(headers=OTHER_STAFF) as http:
        assert answer(await http.get(f"/ventures/{vid}")) == answer(await http.get(f"/ventures/{uuid.uuid4()}"))
        there = await http.get(f"/recall-campaigns/{cid}/talent")
        assert answer(there) == answer(await http.get(f"/recall-campaigns/{uuid.uuid4()}/talent"))
        stranger = await http.post("/ventures", json=venture_body(boss, place_division_code="522632101001"))
        assert stranger.status_code == 422 and stranger.json()["type"].endswith("/unknown-member")


async def test_a_recall_campaign_finds_the_talent_it_wants_and_counts_outcomes(stack):
    builder = await member(stack, 11, ["钢筋工", "砌筑工"])
    nurse = await member(stack, 12, ["育婴师"])
    cook = await member(stack, 13, ["厨师"])
    elsewhere = await member(stack, 14, ["钢筋工"], county="522632")
    await mirrored(stack, 4)
    async with stack.jobs.client(headers=STAFF) as http:
        created = await http.post(
            "/recall-campaigns",
            json={
                "title": "建筑能人回引",
                "skills_wanted": ["钢筋工", "育婴师"],
                "area_division_code": f"{COUNTY}000000",
            },
        )
        assert created.status_code == 201, created.text
        cid = created.json()["campaign_id"]
        for m, outcome in ((builder, "interested"), (builder, "returned"), (nurse, "declined")):
            done = await http.post(f"/recall-campaigns/{cid}/outcomes", json={"member_id": m, "outcome": outcome})
            assert done.status_code == 200, done.text
        outsider = await http.post(
            f"/recall-campaigns/{cid}/outcomes", json={"member_id": elsewhere, "outcome": "contacted"}
        )
        pool = (await http.get(f"/recall-campaigns/{cid}/talent")).json()["items"]
        summary = (await http.get(f"/recall-campaigns/{cid}")).json()
    assert outsider.status_code == 422
    assert sorted((p["member_id"], p["outcome"]) for p in pool) == sorted([(builder, "returned"), (nurse, "declined")])
    assert cook not in {p["member_id"] for p in pool}
    assert (summary["reached"], summary["interested"], summary["returned"]) == (2, 0, 1)
