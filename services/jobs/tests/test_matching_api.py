"""Matching over real HTTP, PostgreSQL and Kafka: roster registers members, jobs projects them and
matches a posting to the caller's people."""

from __future__ import annotations

import asyncio

from kite_common.rebuild import rebuild_projections
from kite_common.testing.stack import auth, eventually
from kite_jobs.service import SERVICE as JOBS
from kite_roster.shared.identity import check_digit

COUNTY = "522631"  # 黎平县, 贵州
OTHER_COUNTY = "522632"  # 榕江县
STAFF = auth(["employment"], COUNTY, subject="liping-hr")
OTHER_STAFF = auth(["employment"], OTHER_COUNTY, subject="rongjiang-hr")
PROVINCE = auth(["employment"], "52", subject="guizhou-hr")


def id_number(seq: int, area: str) -> str:
    first17 = f"{area}19900101{seq:03d}"
    return first17 + check_digit(first17)


async def register_member(stack, seq: int, city: str, skills: list[str], county: str = COUNTY) -> str:
    body = {
        "name": f"务工人员{seq}",
        "id_number": id_number(seq, county),
        "phone": f"138{seq:08d}",
        "origin_division_code": f"{county}101001",
        "current_city": city,
        "skills": skills,
    }
    async with stack.roster.client(headers=auth(["registrar"], county)) as http:
        created = await http.post("/members", json=body)
    assert created.status_code == 201, created.text
    return created.json()["member_id"]


async def projected(stack, member_ids: list[str]) -> None:
    async def arrived() -> bool:
        n = await stack.jobs.pool.fetchval("SELECT count(*) FROM members WHERE member_id::text = ANY($1)", member_ids)
        return n == len(member_ids)

    await eventually(arrived)


async def employer_and_posting(http, city: str = "杭州", skills: tuple[str, ...] = ("电工", "焊工")) -> dict:
    employer = await http.post(
        "/employers",
        json={
            "name": "杭州某电子厂",
            "unified_social_credit_code": "91330106MA2CFQ0B1K",
            "city": "杭州",
            "area_division_code": "330106001001",
            "contact_name": "王经理",
        },
    )
    assert employer.status_code == 201, employer.text
    posting = await http.post(
        "/postings",
        json={
            "employer_id": employer.json()["employer_id"],
            "title": "电工",
            "city": city,
            "skills_required": list(skills),
            "headcount": 5,
            "wage_min": 6000,
            "wage_max": 9000,
            "area_division_code": "330106001001",
        },
    )
    assert posting.status_code == 201, posting.text
    return posting.json()


async def test_match_picks_exactly_the_callers_people_in_the_city_with_the_skills(stack):
    both = await register_member(stack, 1, "杭州", ["电工", "焊工"])
    one = await register_member(stack, 2, "杭州", ["电工"])
    elsewhere = await register_member(stack, 3, "成都", ["电工", "焊工"])
    no_skill = await register_member(stack, 4, "杭州", ["厨师"])
    other_county = await register_member(stack, 5, "杭州", ["电工", "焊工"], county=OTHER_COUNTY)
    await projected(stack, [both, one, elsewhere, no_skill, other_county])

    async with stack.jobs.client(headers=STAFF) as http:
        posting = await employer_and_posting(http)
        matched = await http.post(f"/postings/{posting['posting_id']}/match")
        assert matched.status_code == 200, matched.text
        items = matched.json()["items"]
        assert [(m["member_id"], m["score"], m["matched_skills"]) for m in items] == [
            (both, 1.0, ["焊工", "电工"]),
            (one, 0.5, ["电工"]),
        ]
        assert items[0]["member_name"] == "务工人员1"

        listed = await http.get(f"/postings/{posting['posting_id']}/matches")
        assert sorted(m["member_id"] for m in listed.json()["items"]) == sorted([both, one])
        got = await http.get(f"/postings/{posting['posting_id']}")
        assert got.json()["matched_count"] == 2

    rows = await stack.jobs.pool.fetch(
        "SELECT data FROM events WHERE type = 'kite.jobs.job-matched.v1' ORDER BY position"
    )
    assert [r["data"]["member_id"] for r in rows] == [both, one]
    assert rows[0]["data"]["member_origin_division_code"] == f"{COUNTY}101001"
    dump = await stack.jobs.pool.fetchval("SELECT string_agg(data::text, '|') FROM events")
    assert id_number(1, COUNTY) not in dump and "13800000001" not in dump


async def test_matching_twice_adds_no_duplicate_and_each_county_sees_only_its_people(stack):
    mine = await register_member(stack, 11, "杭州", ["电工"])
    theirs = await register_member(stack, 12, "杭州", ["电工"], county=OTHER_COUNTY)
    await projected(stack, [mine, theirs])
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
        seen = (await http.get(f"/postings/{pid}/matches")).json()["items"]
    assert [m["member_id"] for m in seen] == [theirs]
    assert await stack.jobs.pool.fetchval("SELECT count(*) FROM events WHERE type = 'kite.jobs.job-matched.v1'") == 2


async def test_concurrent_match_calls_match_each_member_once(stack):
    ids = [await register_member(stack, 20 + i, "杭州", ["电工"]) for i in range(6)]
    await projected(stack, ids)
    async with stack.jobs.client(headers=STAFF) as http:
        posting = await employer_and_posting(http)
        results = await asyncio.gather(*(http.post(f"/postings/{posting['posting_id']}/match") for _ in range(4)))
    assert {r.status_code for r in results} <= {200, 409}
    returned = [m["member_id"] for r in results if r.status_code == 200 for m in r.json()["items"]]
    assert sorted(returned) == sorted(ids)
    assert await stack.jobs.pool.fetchval("SELECT count(*) FROM matches") == 6
    assert await stack.jobs.pool.fetchval("SELECT count(*) FROM events WHERE type = 'kite.jobs.job-matched.v1'") == 6


async def test_matches_page_by_cursor_without_gaps_or_repeats(stack):
    ids = [await register_member(stack, 40 + i, "杭州", ["电工"]) for i in range(5)]
    await projected(stack, ids)
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
    ids = [await register_member(stack, 50 + i, "杭州", ["电工", "焊工"][: i % 2 + 1]) for i in range(3)]
    await projected(stack, ids)
    async with stack.jobs.client(headers=STAFF) as http:
        posting = await employer_and_posting(http)
        await http.post(f"/postings/{posting['posting_id']}/match")

    async def snapshot() -> dict[str, list]:
        out = {}
        for table, key in (
            ("employers", "employer_id"),
            ("postings", "posting_id"),
            ("matches", "posting_id, member_id"),
            ("members", "member_id"),
        ):
            out[table] = [dict(r) for r in await stack.jobs.pool.fetch(f"SELECT * FROM {table} ORDER BY {key}")]
        return out

    live = await snapshot()
    assert len(live["matches"]) == 3 and live["postings"][0]["matched_count"] == 3
    async with stack.jobs.pool.acquire() as conn:
        replayed = await rebuild_projections(conn, JOBS)
    assert replayed == 5  # employer, posting, three matches
    assert await snapshot() == live


async def test_roster_edits_and_moves_change_who_matches_and_a_deregistered_member_never_does(stack):
    stays = await register_member(stack, 61, "杭州", ["电工"])
    learns = await register_member(stack, 62, "杭州", ["厨师"])
    arrives = await register_member(stack, 63, "成都", ["电工"])
    leaves = await register_member(stack, 64, "杭州", ["电工"])
    gone = await register_member(stack, 65, "杭州", ["电工"])
    await projected(stack, [stays, learns, arrives, leaves, gone])
    async with stack.roster.client(headers=auth(["registrar"], COUNTY)) as roster:
        changes = [
            await roster.patch(f"/members/{learns}", json={"skills": ["电工", "厨师"], "name": "务工人员六十二"}),
            await roster.post(
                f"/members/{arrives}/relocations", json={"current_city": "杭州", "moved_on": "2025-03-01"}
            ),
            await roster.post(
                f"/members/{leaves}/relocations", json={"current_city": "宁波", "moved_on": "2025-03-01"}
            ),
            await roster.post(f"/members/{gone}/deregistration", json={"reason": "returned-home"}),
        ]
    assert [r.status_code for r in changes] == [200, 201, 201, 200], [r.text for r in changes]

    async def followed() -> bool:
        # every member's last change has arrived: registration (1) plus one more event
        n = await stack.jobs.pool.fetchval(
            "SELECT count(*) FROM members WHERE member_id::text = ANY($1) AND version = 2",
            [learns, arrives, leaves, gone],
        )
        return n == 4

    await eventually(followed)
    async with stack.jobs.client(headers=STAFF) as http:
        posting = await employer_and_posting(http, skills=("电工",))
        matched = await http.post(f"/postings/{posting['posting_id']}/match")
        assert matched.status_code == 200, matched.text
        items = matched.json()["items"]
    assert sorted(m["member_id"] for m in items) == sorted([stays, learns, arrives])
    assert {m["member_id"]: m["member_name"] for m in items}[learns] == "务工人员六十二"
    row = await stack.jobs.pool.fetchrow(
        "SELECT current_city, deregistered_at FROM members WHERE member_id = $1::uuid", gone
    )
    assert row["current_city"] == "杭州" and row["deregistered_at"] is not None
