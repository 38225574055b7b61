"""Matching over real HTTP, PostgreSQL and Kafka: roster registers members and households, jobs keeps
its copy, staff record job-seekers, and a posting is matched to the caller's people — household
priority first, then an explained score — and a job-seeker is shown the best postings."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from kite_common.clock import utcnow
from kite_common.rebuild import rebuild_projections
from kite_common.testing.stack import auth, eventually
from kite_jobs.adapters.candidates import candidate_of, candidates_for_posting
from kite_jobs.application.recommend_postings import terms_of
from kite_jobs.domain.matching import evaluate
from kite_jobs.service import SERVICE as JOBS
from kite_roster.shared.identity import check_digit

COUNTY = "522631"  # 黎平县, 贵州
OTHER_COUNTY = "522632"  # 榕江县
VILLAGE = f"{COUNTY}101001"
STAFF = auth(["employment"], COUNTY, subject="liping-hr")
OTHER_STAFF = auth(["employment"], OTHER_COUNTY, subject="rongjiang-hr")
PROVINCE = auth(["employment"], "52", subject="guizhou-hr")
REGISTRAR = auth(["registrar"], COUNTY)


def today() -> date:
    """Asked each time: a run may cross midnight."""
    return utcnow().date()


HANGZHOU = "330106001001"  # 杭州市西湖区
YUHANG = "330110000000"  # 杭州市余杭区: the same city
NINGBO = "330203000000"


def id_number(seq: int, area: str) -> str:
    first17 = f"{area}19900101{seq:03d}"
    return first17 + check_digit(first17)


async def register_member(stack, seq: int, skills: list[str], county: str = COUNTY, employer: str | None = None) -> str:
    body = {
        "name": f"务工人员{seq}",
        "id_number": id_number(seq, county),
        "phone": f"138{seq:08d}",
        "origin_division_code": f"{county}101001",
        "current_city": "杭州",
        "skills": skills,
    } | ({"employer": employer} if employer else {})
    async with stack.roster.client(headers=auth(["registrar"], county)) as http:
        created = await http.post("/members", json=body)
    assert created.status_code == 201, created.text
    return created.json()["member_id"]


async def projected(stack, member_ids: list[str]) -> None:
    async def arrived() -> bool:
        n = await stack.jobs.pool.fetchval("SELECT count(*) FROM members WHERE member_id::text = ANY($1)", member_ids)
        return n == len(member_ids)

    await eventually(arrived)


async def seek(stack, member_id: str, headers=STAFF, **overrides: object) -> dict:
    body: dict[str, object] = {
        "desired_division_code": YUHANG,
        "willing_to_move": False,
        "expected_wage_fen": 500_000,
        "certificates": ["电工证"],
        "available_from": today().isoformat(),
    } | overrides
    async with stack.jobs.client(headers=headers) as http:
        response = await http.put(f"/seekers/{member_id}", json=body)
    assert response.status_code == 200, response.text
    return response.json()


async def household(stack, members: list[str], **flags: object) -> str:
    async with stack.roster.client(headers=REGISTRAR) as http:
        created = await http.post("/households", json={"division_code": VILLAGE, "head_name": "户主"} | flags)
        assert created.status_code == 201, created.text
        hid = created.json()["household_id"]
        for m in members:
            added = await http.post(f"/households/{hid}/members/{m}")
            assert added.status_code == 200, added.text
    return hid


async def households_arrived(stack, count: int) -> None:
    async def arrived() -> bool:
        return await stack.jobs.pool.fetchval("SELECT count(*) FROM household_members") == count

    await eventually(arrived)


async def employer_and_posting(http, **overrides: object) -> dict:
    employer = await http.post(
        "/employers",
        json={
            "name": "杭州某电子厂",
            "unified_social_credit_code": "91330106MA2CFQ0B1E",
            "hiring_division_code": HANGZHOU,
            "area_division_code": f"{COUNTY}000000",
        },
    )
    if employer.status_code == 409:
        employer_id = employer.json()["existing_employer_id"]
    else:
        assert employer.status_code == 201, employer.text
        employer_id = employer.json()["employer_id"]
    body = {
        "employer_id": employer_id,
        "title": "电子厂普工",
        "skills_required": ["电工", "焊工"],
        "headcount": 5,
        "wage_min_fen": 600_000,
        "wage_max_fen": 900_000,
        "place_division_code": HANGZHOU,
        "place_label": "杭州",
        "age_min": 18,
        "age_max": 50,
        "certificates_required": ["电工证"],
        "opens_on": today().isoformat(),
        "closes_on": (today() + timedelta(days=30)).isoformat(),
    } | overrides
    posting = await http.post("/postings", json=body)
    assert posting.status_code == 201, posting.text
    return posting.json()


async def test_match_takes_the_callers_job_seekers_by_division_code_and_explains_each_score(stack):
    both = await register_member(stack, 1, ["电工", "焊工"])
    one = await register_member(stack, 2, ["电工"])
    ningbo = await register_member(stack, 3, ["电工", "焊工"])
    no_skill = await register_member(stack, 4, ["厨师"])
    no_cert = await register_member(stack, 5, ["电工", "焊工"])
    too_dear = await register_member(stack, 6, ["电工", "焊工"])
    not_seeking = await register_member(stack, 7, ["电工", "焊工"])
    other_county = await register_member(stack, 8, ["电工", "焊工"], county=OTHER_COUNTY)
    await projected(stack, [both, one, ningbo, no_skill, no_cert, too_dear, not_seeking, other_county])
    await seek(stack, both, desired_division_code="330100000000")  # 杭州市 itself: the same city as 西湖区
    await seek(stack, one)
    await seek(stack, ningbo, desired_division_code=NINGBO)
    await seek(stack, no_skill)
    await seek(stack, no_cert, certificates=[])
    await seek(stack, too_dear, expected_wage_fen=1_000_000)
    await seek(stack, other_county, headers=OTHER_STAFF)

    async with stack.jobs.client(headers=STAFF) as http:
        posting = await employer_and_posting(http)
        matched = await http.post(f"/postings/{posting['posting_id']}/match")
        assert matched.status_code == 200, matched.text
        items = matched.json()["items"]
        assert [(m["member_id"], m["score"], m["matched_skills"]) for m in items] == [
            (both, 1.0, ["焊工", "电工"]),
            (one, 0.8, ["电工"]),
        ]
        assert items[0]["member_name"] == "务工人员1" and items[0]["priority"] == 3
        parts = {p["part"]: (p["points"], p["max_points"]) for p in items[1]["score_parts"]}
        assert parts == {
            "skills": (20, 40),
            "place": (30, 30),
            "wage": (20, 20),
            "availability": (10, 10),
            "requirements": (0, 0),
        }
        assert all(p["detail"] for p in items[1]["score_parts"])

        listed = (await http.get(f"/postings/{posting['posting_id']}/matches")).json()["items"]
        assert {m["member_id"]: m["score_parts"] for m in listed} == {m["member_id"]: m["score_parts"] for m in items}
        assert (await http.get(f"/postings/{posting['posting_id']}")).json()["matched_count"] == 2

    rows = await stack.jobs.pool.fetch(
        "SELECT data FROM events WHERE type = 'kite.jobs.job-matched.v1' ORDER BY position"
    )
    assert [r["data"]["member_id"] for r in rows] == [both, one]
    assert rows[0]["data"]["city"] == "杭州" and rows[0]["data"]["place_division_code"] == HANGZHOU
    dump = await stack.jobs.pool.fetchval("SELECT string_agg(data::text, '|') FROM events")
    assert id_number(1, COUNTY) not in dump and "13800000001" not in dump


async def test_household_priority_orders_the_matches_before_the_score(stack):
    poor_weak = await register_member(stack, 21, ["电工"])  # 建档立卡, nobody employed, 80 points
    poor_one_earner = await register_member(stack, 22, ["电工", "焊工"])
    earner = await register_member(stack, 23, ["厨师"], employer="杭州某餐馆")
    poor_two_earners = await register_member(stack, 24, ["电工", "焊工"])
    earner2 = await register_member(stack, 25, ["厨师"], employer="宁波某厂")
    earner3 = await register_member(stack, 26, ["厨师"], employer="宁波某厂")
    monitored = await register_member(stack, 27, ["电工", "焊工"])  # 防返贫监测, nobody employed
    ordinary = await register_member(stack, 28, ["电工", "焊工"])  # no household known to jobs
    ordinary_dear = await register_member(stack, 29, ["电工", "焊工"])
    everyone = [poor_weak, poor_one_earner, earner, poor_two_earners, earner2, earner3, monitored, ordinary]
    await projected(stack, [*everyone, ordinary_dear])
    await household(stack, [poor_weak], poverty_registered=True)
    await household(stack, [poor_one_earner, earner], poverty_registered=True)
    await household(stack, [poor_two_earners, earner2, earner3], poverty_registered=True)
    await household(stack, [monitored], monitored=True, monitoring_category="marginal")
    await households_arrived(stack, 7)
    for m in (poor_weak, poor_one_earner, poor_two_earners, monitored, ordinary):
        await seek(stack, m)
    await seek(stack, ordinary_dear, expected_wage_fen=750_000)

    async with stack.jobs.client(headers=STAFF) as http:
        posting = await employer_and_posting(http)
        items = (await http.post(f"/postings/{posting['posting_id']}/match")).json()["items"]
    got = [(m["member_id"], m["priority"], round(m["score"] * 100)) for m in items]
    tier1 = sorted([(monitored, 1, 100), (poor_weak, 1, 80)], key=lambda t: (-t[2], t[0]))
    tier3 = [*sorted([(poor_two_earners, 3, 100), (ordinary, 3, 100)], key=lambda t: t[0]), (ordinary_dear, 3, 90)]
    assert got == [*tier1, (poor_one_earner, 2, 100), *tier3]
    assert items[0]["priority_label"] == "建档立卡/监测户，家中无人就业"


async def test_the_sql_ranking_equals_the_domain_score(stack):
    ids = [
        await register_member(stack, 30 + i, [["电工"], ["电工", "焊工"], ["焊工", "钳工"]][i % 3]) for i in range(6)
    ]
    await projected(stack, ids)
    for i, m in enumerate(ids):
        await seek(
            stack,
            m,
            expected_wage_fen=550_000 + 70_000 * i,
            desired_division_code=[YUHANG, NINGBO, "522631000000"][i % 3],
            willing_to_move=i % 2 == 0,
            available_from=(today() + timedelta(days=3 * (i % 2))).isoformat(),
        )
    async with stack.jobs.client(headers=STAFF) as http:
        posting = await employer_and_posting(http)
    async with stack.jobs.pool.acquire() as conn:
        row = await conn.fetchrow("SELECT * FROM postings")
        terms = terms_of(row)
        rows = await candidates_for_posting(conn, row["posting_id"], terms, f"{COUNTY}%", today(), 50)
    assert len(rows) >= 3
    for r in rows:
        match = evaluate(terms, candidate_of(r), today())
        assert match is not None and match.points == r["points"], (r, match)
    assert posting["posting_id"] == str(row["posting_id"])


async def test_a_job_seeker_is_shown_the_best_open_postings_the_other_way_round(stack):
    member = await register_member(stack, 41, ["电工", "焊工"])
    await projected(stack, [member])
    await seek(stack, member, willing_to_move=True)
    async with stack.jobs.client(headers=STAFF) as http:
        best = await employer_and_posting(http)
        ningbo = await employer_and_posting(http, place_division_code=NINGBO, place_label="宁波")
        cheap = await employer_and_posting(http, wage_min_fen=300_000, wage_max_fen=400_000)
        closed = await employer_and_posting(http)
        await http.post(f"/postings/{closed['posting_id']}/closure", json={})
        cook = await employer_and_posting(http, skills_required=["厨师"])
        shown = await http.get(f"/seekers/{member}/recommended-postings")
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert [(i["posting"]["posting_id"], i["score"]) for i in body["items"]] == [
        (best["posting_id"], 1.0),
        (ningbo["posting_id"], 0.9),
    ]
    assert body["priority"] == 3 and {p["part"] for p in body["items"][1]["score_parts"]} >= {"place", "wage"}
    assert cheap["posting_id"] and cook["posting_id"]
    async with stack.jobs.client(headers=OTHER_STAFF) as http:
        assert (await http.get(f"/seekers/{member}/recommended-postings")).status_code == 404
        assert (await http.get(f"/seekers/{member}")).status_code == 404


async def test_seekers_are_refused_outside_the_jurisdiction_and_bad_ones_store_nothing(stack):
    member = await register_member(stack, 45, ["电工"])
    await projected(stack, [member])
    async with stack.jobs.client(headers=OTHER_STAFF) as http:
        outside = await http.put(
            f"/seekers/{member}",
            json={"desired_division_code": YUHANG, "expected_wage_fen": 1, "available_from": today().isoformat()},
        )
    assert outside.status_code == 404
    async with stack.jobs.client(headers=STAFF) as http:
        bad = await http.put(
            f"/seekers/{member}",
            json={"desired_division_code": "杭州", "expected_wage_fen": -1, "available_from": today().isoformat()},
        )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"desired_division_code", "expected_wage_fen"}
    assert await stack.jobs.pool.fetchval("SELECT count(*) FROM events") == 0


async def test_matching_twice_adds_no_duplicate_and_each_county_sees_only_its_people(stack):
    mine = await register_member(stack, 11, ["电工"])
    theirs = await register_member(stack, 12, ["电工"], county=OTHER_COUNTY)
    await projected(stack, [mine, theirs])
    await seek(stack, mine)
    await seek(stack, theirs, headers=OTHER_STAFF)
    async with stack.jobs.client(headers=STAFF) as http:
        posting = await employer_and_posting(http)
        pid = posting["posting_id"]
        first = await http.post(f"/postings/{pid}/match")
        again = await http.post(f"/postings/{pid}/match")
    assert [m["member_id"] for m in first.json()["items"]] == [mine]
    assert again.status_code == 200 and again.json()["items"] == []

    async with stack.jobs.client(headers=PROVINCE) as http:  # the province matches everyone not yet matched
        province = await http.post(f"/postings/{pid}/match")
        assert [m["member_id"] for m in province.json()["items"]] == [theirs]
        assert len((await http.get(f"/postings/{pid}/matches")).json()["items"]) == 2
    async with stack.jobs.client(headers=OTHER_STAFF) as http:
        assert (await http.get(f"/postings/{pid}/matches")).status_code == 404  # the posting is 黎平's
    assert await stack.jobs.pool.fetchval("SELECT count(*) FROM events WHERE type = 'kite.jobs.job-matched.v1'") == 2


async def test_a_closed_posting_is_matched_no_more(stack):
    member = await register_member(stack, 15, ["电工"])
    await projected(stack, [member])
    await seek(stack, member)
    async with stack.jobs.client(headers=STAFF) as http:
        posting = await employer_and_posting(http)
        await http.post(f"/postings/{posting['posting_id']}/closure", json={"reason": "停招"})
        refused = await http.post(f"/postings/{posting['posting_id']}/match")
    assert refused.status_code == 409 and refused.json()["type"].endswith("/posting-closed")
    assert await stack.jobs.pool.fetchval("SELECT count(*) FROM matches") == 0


async def test_concurrent_match_calls_match_each_member_once(stack):
    ids = [await register_member(stack, 50 + i, ["电工"]) for i in range(6)]
    await projected(stack, ids)
    for m in ids:
        await seek(stack, m)
    async with stack.jobs.client(headers=STAFF) as http:
        posting = await employer_and_posting(http)
        results = await asyncio.gather(*(http.post(f"/postings/{posting['posting_id']}/match") for _ in range(4)))
    assert {r.status_code for r in results} <= {200, 409}
    returned = [m["member_id"] for r in results if r.status_code == 200 for m in r.json()["items"]]
    assert sorted(returned) == sorted(ids)
    assert await stack.jobs.pool.fetchval("SELECT count(*) FROM matches") == 6


async def test_matches_page_by_cursor_without_gaps_or_repeats(stack):
    ids = [await register_member(stack, 60 + i, ["电工"]) for i in range(5)]
    await projected(stack, ids)
    for m in ids:
        await seek(stack, m)
    async with stack.jobs.client(headers=STAFF) as http:
        posting = await employer_and_posting(http)
        await http.post(f"/postings/{posting['posting_id']}/match")
        seen: list[str] = []
        cursor = None
        for _ in range(5):
            params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
            page = (await http.get(f"/postings/{posting['posting_id']}/matches", params=params)).json()
            seen += [m["member_id"] for m in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
    assert seen == sorted(ids)


async def test_rebuilt_read_models_equal_the_live_ones(stack):
    ids = [await register_member(stack, 70 + i, ["电工", "焊工"][: i % 2 + 1]) for i in range(3)]
    await projected(stack, ids)
    for m in ids:
        await seek(stack, m)
    async with stack.jobs.client(headers=STAFF) as http:
        posting = await employer_and_posting(http)
        await http.post(f"/postings/{posting['posting_id']}/match")
        await http.post(f"/postings/{posting['posting_id']}/closure", json={"reason": "已招满"})

    async def snapshot() -> dict[str, list]:
        out = {}
        for table, key in (
            ("employers", "employer_id"),
            ("postings", "posting_id"),
            ("matches", "posting_id, member_id"),
            ("seekers", "member_id"),
            ("members", "member_id"),
            ("candidates", "member_id"),
        ):
            out[table] = [dict(r) for r in await stack.jobs.pool.fetch(f"SELECT * FROM {table} ORDER BY {key}")]
        return out

    async def settled() -> bool:
        # the rebuild reads events below the cluster's oldest open transaction (as the relay does); on a
        # PostgreSQL shared with other work that horizon may trail for a moment
        return await stack.jobs.pool.fetchval(
            "SELECT count(*) = 9 FROM events WHERE tx_id < pg_snapshot_xmin(pg_current_snapshot())"
        )

    await eventually(settled)
    live = await snapshot()
    assert len(live["matches"]) == 3 and live["postings"][0]["matched_count"] == 3
    assert len(live["candidates"]) == 3
    async with stack.jobs.pool.acquire() as conn:
        replayed = await rebuild_projections(conn, JOBS)
    assert replayed == 9  # employer, 3 seekers, posting, 3 matches, closure
    assert await snapshot() == live


async def test_roster_edits_change_who_matches_and_a_deregistered_member_never_does(stack):
    stays = await register_member(stack, 81, ["电工"])
    learns = await register_member(stack, 82, ["厨师"])
    gone = await register_member(stack, 85, ["电工"])
    await projected(stack, [stays, learns, gone])
    for m in (stays, learns, gone):
        await seek(stack, m)
    async with stack.roster.client(headers=REGISTRAR) as roster:
        changes = [
            await roster.patch(f"/members/{learns}", json={"skills": ["电工", "厨师"], "name": "务工人员八十二"}),
            await roster.post(f"/members/{gone}/deregistration", json={"reason": "returned-home"}),
        ]
    assert [r.status_code for r in changes] == [200, 200], [r.text for r in changes]

    async def followed() -> bool:
        n = await stack.jobs.pool.fetchval(
            "SELECT count(*) FROM members WHERE member_id::text = ANY($1) AND version = 2", [learns, gone]
        )
        return n == 2

    await eventually(followed)
    async with stack.jobs.client(headers=STAFF) as http:
        posting = await employer_and_posting(http, skills_required=["电工"])
        items = (await http.post(f"/postings/{posting['posting_id']}/match")).json()["items"]
        assert (await http.get(f"/seekers/{gone}/recommended-postings")).status_code == 404
    assert sorted(m["member_id"] for m in items) == sorted([stays, learns])
    assert {m["member_id"]: m["member_name"] for m in items}[learns] == "务工人员八十二"
