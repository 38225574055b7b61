"""Applications, placements, retention follow-ups and the employment ledger over real HTTP, PostgreSQL
and Kafka; the ledger equals a recount from the jobs and roster event stores."""

from __future__ import annotations

import csv
import io
import uuid
from collections import defaultdict
from datetime import date, timedelta
from importlib.resources import files
from types import SimpleNamespace

from kite_common.clock import utcnow
from kite_common.eventstore import PostgresEventStore
from kite_common.rebuild import rebuild_projections
from kite_common.testing.stack import answer, auth, eventually
from kite_jobs.domain.events import FollowUpRecorded, MemberPlaced, PlacementEnded, TrainingCompleted
from kite_jobs.domain.priority import Priority, household_priority
from kite_jobs.service import SERVICE as JOBS
from kite_jobs.workers.follow_ups import run_follow_up_schedule_once
from kite_roster.service import SERVICE as ROSTER
from kite_roster.shared.identity import check_digit
from openpyxl import load_workbook

COUNTY = "522631"
OTHER_COUNTY = "522632"
STAFF = auth(["employment"], COUNTY, subject="liping-hr")
PROVINCE = auth(["employment"], "52", subject="guizhou-hr")
REGISTRAR = auth(["registrar"], COUNTY)


def today() -> date:
    """Asked each time: a run may cross midnight."""
    return utcnow().date()


VILLAGE_A, VILLAGE_B = f"{COUNTY}101001", f"{COUNTY}102003"


def id_number(seq: int, area: str) -> str:
    first17 = f"{area}19900101{seq:03d}"
    return first17 + check_digit(first17)


async def register_member(
    stack, seq: int, origin: str = VILLAGE_A, employer: str | None = None, skills: tuple[str, ...] = ("电工",)
) -> str:
    body = {
        "name": f"务工人员{seq}",
        "id_number": id_number(seq, origin[:6]),
        "phone": f"138{seq:08d}",
        "origin_division_code": origin,
        "current_city": "杭州",
        "skills": list(skills),
    } | ({"employer": employer} if employer else {})
    async with stack.roster.client(headers=auth(["registrar"], origin[:6])) as http:
        created = await http.post("/members", json=body)
    assert created.status_code == 201, created.text
    return created.json()["member_id"]


async def projected(stack, member_ids: list[str]) -> None:
    async def arrived() -> bool:
        n = await stack.jobs.pool.fetchval("SELECT count(*) FROM members WHERE member_id::text = ANY($1)", member_ids)
        return n == len(member_ids)

    await eventually(arrived)


async def household(stack, village: str, members: list[str], **flags: object) -> None:
    async with stack.roster.client(headers=REGISTRAR) as http:
        created = await http.post("/households", json={"division_code": village, "head_name": "户主"} | flags)
        assert created.status_code == 201, created.text
        for m in members:
            added = await http.post(f"/households/{created.json()['household_id']}/members/{m}")
            assert added.status_code == 200, added.text


async def posting(http, headcount: int = 10) -> str:
    employer = await http.post(
        "/employers",
        json={
            "name": "杭州某电子厂",
            "unified_social_credit_code": "91330106MA2CFQ0B1E",
            "hiring_division_code": "330106001001",
            "area_division_code": f"{COUNTY}000000",
        },
    )
    employer_id = employer.json().get("employer_id") or employer.json()["existing_employer_id"]
    created = await http.post(
        "/postings",
        json={
            "employer_id": employer_id,
            "title": "电子厂普工",
            "skills_required": ["电工"],
            "headcount": headcount,
            "wage_min_fen": 600_000,
            "wage_max_fen": 900_000,
            "place_division_code": "330106001001",
            "opens_on": today().isoformat(),
            "closes_on": (today() + timedelta(days=30)).isoformat(),
        },
    )
    assert created.status_code == 201, created.text
    return created.json()["posting_id"]


async def hired(http, posting_id: str, member_id: str, start_days_ago: int = 0) -> dict:
    applied = await http.post(f"/postings/{posting_id}/applications", json={"member_id": member_id})
    assert applied.status_code == 201, applied.text
    body = {"start_date": (today() - timedelta(days=start_days_ago)).isoformat(), "wage_fen": 750_000}
    placed = await http.post(f"/postings/{posting_id}/applications/{member_id}/hire", json=body)
    assert placed.status_code == 201, placed.text
    return placed.json()


async def events(svc) -> int:
    return await svc.pool.fetchval("SELECT count(*) FROM events")


async def test_an_application_becomes_a_placement_or_is_declined_and_the_filled_count_is_kept(stack):
    a, b = await register_member(stack, 1), await register_member(stack, 2)
    await projected(stack, [a, b])
    async with stack.jobs.client(headers=STAFF) as http:
        pid = await posting(http, headcount=1)
        placement = await hired(http, pid, a)
        assert placement["member_name"] == "务工人员1" and placement["wage_fen"] == 750_000
        assert placement["next_follow_up_on"] is not None and placement["follow_ups"] == []
        assert (await http.get(f"/postings/{pid}")).json()["filled_count"] == 1
        await http.post(f"/postings/{pid}/applications", json={"member_id": b})
        full = await http.post(
            f"/postings/{pid}/applications/{b}/hire", json={"start_date": today().isoformat(), "wage_fen": 1}
        )
        assert full.status_code == 409 and full.json()["type"].endswith("/posting-filled")
        no_reason = await http.post(f"/postings/{pid}/applications/{b}/decline", json={"reason": ""})
        declined = await http.post(f"/postings/{pid}/applications/{b}/decline", json={"reason": "岗位已招满"})
        listed = (await http.get(f"/postings/{pid}/applications")).json()["items"]
        by_member = (await http.get("/placements", params={"member_id": a})).json()["items"]
    assert no_reason.status_code == 422
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    assert {i["member_id"]: i["status"] for i in listed} == {a: "hired", b: "declined"}
    assert [p["placement_id"] for p in by_member] == [placement["placement_id"]]
    types = [r["type"] for r in await stack.jobs.pool.fetch("SELECT type FROM events ORDER BY position")]
    assert types.count("kite.jobs.member-placed.v1") == 1 and types.count("kite.jobs.application-hired.v1") == 1


async def test_a_placement_for_a_closed_posting_or_a_member_outside_is_refused_and_changes_nothing(stack):
    mine = await register_member(stack, 11)
    theirs = await register_member(stack, 12, origin=f"{OTHER_COUNTY}101001")
    await projected(stack, [mine, theirs])
    async with stack.jobs.client(headers=STAFF) as http:
        pid = await posting(http)
        await http.post(f"/postings/{pid}/applications", json={"member_id": mine})
        outside = await http.post(f"/postings/{pid}/applications", json={"member_id": theirs})
        assert outside.status_code == 422 and outside.json()["errors"][0]["field"] == "member_id"
        assert "不在本辖区" in outside.json()["detail"]
    async with stack.jobs.client(headers=PROVINCE) as http:  # the province may let them apply
        assert (await http.post(f"/postings/{pid}/applications", json={"member_id": theirs})).status_code == 201
    before = await events(stack.jobs)
    hire = {"start_date": today().isoformat(), "wage_fen": 700_000}
    async with stack.jobs.client(headers=STAFF) as http:
        refused = await http.post(f"/postings/{pid}/applications/{theirs}/hire", json=hire)
        assert refused.status_code == 422 and refused.json()["type"].endswith("/unknown-member")
        assert await events(stack.jobs) == before
        await http.post(f"/postings/{pid}/closure", json={})
        before = await events(stack.jobs)
        closed = await http.post(f"/postings/{pid}/applications/{mine}/hire", json=hire)
        late = await http.post(f"/postings/{pid}/applications", json={"member_id": mine})
    assert closed.status_code == 409 and closed.json()["type"].endswith("/posting-closed")
    assert "关闭" in closed.json()["detail"]
    assert late.status_code == 409
    assert await events(stack.jobs) == before
    assert await stack.jobs.pool.fetchval("SELECT count(*) FROM placements") == 0
    assert await stack.jobs.pool.fetchval("SELECT filled_count FROM postings") == 0


async def test_follow_ups_fall_due_by_the_worker_are_recorded_and_never_before_the_start(stack):
    a = await register_member(stack, 21)
    await projected(stack, [a])
    async with stack.jobs.client(headers=STAFF) as http:
        pid = await posting(http)
        placement = await hired(http, pid, a, start_days_ago=40)
    plid = placement["placement_id"]
    assert await run_follow_up_schedule_once(stack.jobs.runtime, today()) == 1  # the 1-month one
    assert await run_follow_up_schedule_once(stack.jobs.runtime, today()) == 0
    async with stack.jobs.client(headers=auth(["hr-station"], COUNTY)) as http:
        due = (await http.get("/follow-ups/due")).json()["items"]
    assert [(d["placement_id"], d["month"]) for d in due] == [(plid, 1)]
    async with stack.jobs.client(headers=STAFF) as http:
        early = await http.post(
            f"/placements/{plid}/follow-ups",
            json={"month": 1, "followed_up_on": (today() - timedelta(days=41)).isoformat(), "still_employed": True},
        )
        assert early.status_code == 422, early.text
        assert early.json()["errors"][0]["field"] == "followed_up_on" and "到岗日期" in early.json()["detail"]
        done = await http.post(
            f"/placements/{plid}/follow-ups",
            json={
                "month": 1,
                "followed_up_on": today().isoformat(),
                "still_employed": True,
                "wage_paid_on_time": False,
                "problems": "工资拖欠半个月",
            },
        )
        assert done.status_code == 200, done.text
        (f,) = done.json()["follow_ups"]
        assert (f["status"], f["wage_paid_on_time"], f["problems"]) == ("recorded", False, "工资拖欠半个月")
        assert (await http.get("/follow-ups/due")).json()["items"] == []
        left = await http.post(f"/placements/{plid}/departure", json={"left_on": today().isoformat(), "reason": "返乡"})
        assert left.status_code == 200 and left.json()["left_on"] == today().isoformat()
        assert left.json()["next_follow_up_on"] is None
    assert await run_follow_up_schedule_once(stack.jobs.runtime, today() + timedelta(days=400)) == 0
    async with stack.jobs.client(headers=auth(["employment"], OTHER_COUNTY)) as http:
        there = await http.get(f"/placements/{plid}")
        nowhere = await http.get(f"/placements/{uuid.uuid4()}")
    assert answer(there) == answer(nowhere) and there.status_code == 404


async def recount(stack, digits: int) -> dict[str, dict[str, int]]:
    """The ledger from the event stores alone: jobs' placements, roster's households and members."""
    rows: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def area(code: str) -> str:
        return code[:digits].ljust(12, "0")

    origin: dict[str, str] = {}
    active: dict[str, bool] = {}
    member_of: dict[str, str] = {}
    for e in await stack.jobs.pool.fetch("SELECT type, data FROM events ORDER BY position"):
        d = e["data"]
        if e["type"] == "kite.jobs.member-placed.v1":
            origin[d["placement_id"]] = d["member_origin_division_code"]
            active[d["placement_id"]] = True
            member_of[d["placement_id"]] = d["member_id"]
            rows[area(d["member_origin_division_code"])]["people_placed"] += 1
        elif e["type"] == "kite.jobs.training-completed.v1":
            rows[area(d["member_origin_division_code"])]["training_completions"] += 1
        elif e["type"] == "kite.jobs.placement-ended.v1":
            active[d["placement_id"]] = False
        elif e["type"] == "kite.jobs.placement-follow-up-recorded.v1" and d["month"] in (3, 6):
            r = rows[area(origin[d["placement_id"]])]
            r[f"followed_up_{d['month']}m"] += 1
            r[f"retained_{d['month']}m"] += int(d["still_employed"])
    for pl, is_active in active.items():
        rows[area(origin[pl])]["employed_now"] += int(is_active)
    placed_members = {member_of[pl] for pl, is_active in active.items() if is_active}

    employer: dict[str, bool] = {}
    gone: set[str] = set()
    homes: dict[str, dict] = {}
    people: dict[str, set[str]] = defaultdict(set)
    for e in await stack.roster.pool.fetch("SELECT type, data FROM events ORDER BY position"):
        t, d = e["type"], e["data"]
        if t in ("kite.roster.member-registered.v1", "kite.roster.member-relocated.v1"):
            employer[d["member_id"]] = bool((d.get("employer") or "").strip())
        elif t == "kite.roster.member-deregistered.v1":
            gone.add(d["member_id"])
        elif t in ("kite.roster.household-registered.v1", "kite.roster.household-flags-changed.v1"):
            homes.setdefault(d["household_id"], {}).update(
                {k: d[k] for k in ("division_code", "poverty_registered", "monitored") if k in d}
            )
        elif t == "kite.roster.household-member-added.v1":
            people[d["household_id"]].add(d["member_id"])
        elif t == "kite.roster.household-member-removed.v1":
            people[d["household_id"]].discard(d["member_id"])
    for hid, h in homes.items():
        earning = any(m not in gone and (employer.get(m, False) or m in placed_members) for m in people[hid])
        priority = h["poverty_registered"] or h["monitored"]
        r = rows[area(h["division_code"])]
        r["households_with_earner"] += int(earning)
        r["priority_households"] += int(priority)
        r["priority_households_with_earner"] += int(priority and earning)
    return {k: {c: n for c, n in v.items() if n} for k, v in rows.items()}


def nonzero(items: list[dict]) -> dict[str, dict[str, int]]:
    return {i["area_division_code"]: {k: v for k, v in i.items() if k != "area_division_code" and v} for i in items}


async def test_the_employment_ledger_equals_a_recount_and_is_exported(stack):
    m1, m2 = await register_member(stack, 31), await register_member(stack, 32)  # 建档立卡 household, village A
    m3 = await register_member(stack, 33, origin=VILLAGE_B)  # monitored household, village B
    m4 = await register_member(stack, 34, employer="宁波某厂")  # ordinary household with an earner
    m5 = await register_member(stack, 35, origin=VILLAGE_B)  # no household
    await projected(stack, [m1, m2, m3, m4, m5])
    await household(stack, VILLAGE_A, [m1, m2], poverty_registered=True)
    await household(stack, VILLAGE_B, [m3], monitored=True, monitoring_category="unstable")
    await household(stack, VILLAGE_A, [m4])

    async def arrived() -> bool:
        return await stack.jobs.pool.fetchval("SELECT count(*) FROM household_members") == 4

    await eventually(arrived)
    async with stack.jobs.client(headers=STAFF) as http:
        pid = await posting(http)
        p1 = await hired(http, pid, m1, start_days_ago=85)
        p3 = await hired(http, pid, m3, start_days_ago=85)
        await hired(http, pid, m5)
        for plid, employed in ((p1["placement_id"], True), (p3["placement_id"], False)):
            for month in (1, 3):
                body = {"month": month, "followed_up_on": today().isoformat(), "still_employed": employed or month == 1}
                assert (await http.post(f"/placements/{plid}/follow-ups", json=body)).status_code == 200
        await http.post(f"/placements/{p3['placement_id']}/departure", json={"left_on": today().isoformat()})
        course = await http.post(
            "/courses",
            json={
                "title": "钢筋工培训班",
                "trade": "钢筋工",
                "provider": "县职校",
                "place_division_code": VILLAGE_A,
                "starts_on": (today() - timedelta(days=10)).isoformat(),
                "ends_on": today().isoformat(),
                "capacity": 30,
                "area_division_code": f"{COUNTY}000000",
            },
        )
        cid = course.json()["course_id"]
        for m in (m2, m5):
            assert (await http.post(f"/courses/{cid}/enrolments", json={"member_id": m})).status_code == 201
            done = await http.post(
                f"/courses/{cid}/enrolments/{m}/completion", json={"completed_on": today().isoformat()}
            )
            assert done.status_code == 200, done.text
        county = (await http.get("/ledgers/employment")).json()
        villages = (await http.get("/ledgers/employment", params={"level": "village"})).json()
        csv_file = await http.get("/ledgers/employment", params={"level": "village", "format": "csv"})
        xlsx_file = await http.get("/ledgers/employment", params={"level": "township", "format": "xlsx"})
        outside = await http.get("/ledgers/employment", params={"area": OTHER_COUNTY})

    assert nonzero(county["items"]) == await recount(stack, 6)
    assert nonzero(villages["items"]) == await recount(stack, 12)
    (row,) = county["items"]
    assert (row["people_placed"], row["employed_now"], row["followed_up_3m"], row["retained_3m"]) == (3, 2, 2, 1)
    # m1 placed (建档立卡 household), m3 left (monitored household has nobody at work), m4 works (ordinary)
    assert (row["households_with_earner"], row["priority_households"], row["priority_households_with_earner"]) == (
        2,
        2,
        1,
    )
    assert row["training_completions"] == 2
    assert outside.status_code == 403

    lines = list(csv.reader(io.StringIO(csv_file.content.decode("utf-8-sig"))))
    assert lines[0][:3] == ["区划代码", "安置就业人数", "目前在岗人数"]
    assert sorted(line[0] for line in lines[1:]) == [VILLAGE_A, VILLAGE_B]
    sheet = load_workbook(io.BytesIO(xlsx_file.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "区划代码" and {v[0] for v in values[1:]} == {VILLAGE_A[:9] + "000", VILLAGE_B[:9] + "000"}


async def every_event(svc, definition) -> list:
    """A service's stored events, once the gap-safe read sees them all (it reads below the oldest open
    transaction, which may trail for a moment)."""

    async def read() -> list | None:
        async with svc.pool.acquire() as conn:
            found = [s.envelope async for s in PostgresEventStore(definition.registry.source).iterate_all(conn)]
            return found if len(found) == await conn.fetchval("SELECT count(*) FROM events") else None

    return await eventually(read)


async def tiers(stack) -> dict[str, int]:
    """Each job-seeker's household tier from the event stores alone (domain/priority.py)."""
    placed: dict[str, str] = {}
    active: set[str] = set()
    seekers: set[str] = set()
    for e in await stack.jobs.pool.fetch("SELECT type, data FROM events ORDER BY position"):
        d = e["data"]
        if e["type"] == "kite.jobs.member-placed.v1":
            placed[d["placement_id"]] = d["member_id"]
            active.add(d["placement_id"])
        elif e["type"] == "kite.jobs.placement-ended.v1":
            active.discard(d["placement_id"])
        elif e["type"] == "kite.jobs.seeker-registered.v1":
            seekers.add(d["member_id"])
    working = {placed[p] for p in active}
    employed: dict[str, bool] = {}
    flagged: dict[str, bool] = {}
    people: dict[str, set[str]] = defaultdict(set)
    for e in await stack.roster.pool.fetch("SELECT type, data FROM events ORDER BY position"):
        t, d = e["type"], e["data"]
        if t in ("kite.roster.member-registered.v1", "kite.roster.member-relocated.v1"):
            employed[d["member_id"]] = bool((d.get("employer") or "").strip())
        elif t in ("kite.roster.household-registered.v1", "kite.roster.household-flags-changed.v1"):
            flagged[d["household_id"]] = d.get("poverty_registered", False) or d.get("monitored", False)
        elif t == "kite.roster.household-member-added.v1":
            people[d["household_id"]].add(d["member_id"])
    working |= {m for m, yes in employed.items() if yes}
    out = {}
    for m in seekers:
        found = [
            household_priority(True, len(people[h] & working)) for h, flag in flagged.items() if flag and m in people[h]
        ]
        out[m] = int(min(found, default=Priority.OTHERS))
    return out


async def test_the_ledger_and_the_tiers_count_each_fact_once_when_events_come_again(stack):
    m1, m2 = await register_member(stack, 41), await register_member(stack, 42)  # 建档立卡 household, village A
    m3 = await register_member(stack, 43, origin=VILLAGE_B)  # monitored household, village B
    m4 = await register_member(stack, 44, employer="宁波某厂")  # ordinary household, its earner
    await projected(stack, [m1, m2, m3, m4])
    await household(stack, VILLAGE_A, [m1, m2], poverty_registered=True)
    await household(stack, VILLAGE_B, [m3], monitored=True, monitoring_category="unstable")
    await household(stack, VILLAGE_A, [m4])
    async with stack.roster.client(headers=REGISTRAR) as roster:
        moved = await roster.post(f"/members/{m4}/relocations", json={"current_city": "黎平", "moved_on": "2026-03-01"})
        assert moved.status_code == 201, moved.text  # m4 comes home, no employer: that household has no earner now

    async def arrived() -> bool:
        n = await stack.jobs.pool.fetchval("SELECT count(*) FROM household_members")
        home = await stack.jobs.pool.fetchval("SELECT employer IS NULL FROM members WHERE member_id = $1", m4)
        return n == 4 and home

    await eventually(arrived)
    async with stack.jobs.client(headers=STAFF) as http:
        for m in (m1, m2, m3):
            body = {
                "desired_division_code": "330106001001",
                "willing_to_move": True,
                "expected_wage_fen": 500_000,
                "available_from": today().isoformat(),
            }
            assert (await http.put(f"/seekers/{m}", json=body)).status_code == 200
        pid = await posting(http)
        p1 = await hired(http, pid, m1, start_days_ago=85)
        p3 = await hired(http, pid, m3, start_days_ago=40)
        body = {"month": 3, "followed_up_on": today().isoformat(), "still_employed": True}
        assert (await http.post(f"/placements/{p1['placement_id']}/follow-ups", json=body)).status_code == 200
        left = await http.post(f"/placements/{p3['placement_id']}/departure", json={"left_on": today().isoformat()})
        assert left.status_code == 200

        async def ledger() -> tuple[dict, dict]:
            county = (await http.get("/ledgers/employment")).json()["items"]
            villages = (await http.get("/ledgers/employment", params={"level": "village"})).json()["items"]
            return nonzero(county), nonzero(villages)

        async def candidates() -> dict[str, int]:
            rows = await stack.jobs.pool.fetch("SELECT member_id::text, priority FROM candidates")
            return {r["member_id"]: r["priority"] for r in rows}

        first = await ledger()
        assert first == (await recount(stack, 6), await recount(stack, 12))
        # m1 placed: their 建档立卡 household has one earner (tier 2); m3 left: nobody at work (tier 1)
        assert await candidates() == await tiers(stack) == {m1: 2, m2: 2, m3: 1}

        # every roster event delivered again, twice, straight to both consumers (past the inbox that would
        # skip them), and jobs' counted events again to their projections: nothing is counted twice
        roster_events, jobs_events = await every_event(stack.roster, ROSTER), await every_event(stack.jobs, JOBS)
        async with stack.jobs.pool.acquire() as conn:
            for _ in range(2):
                for envelope in roster_events:
                    async with conn.transaction():
                        for consumer in JOBS.consumers:
                            await consumer.handler(SimpleNamespace(conn=conn), SimpleNamespace(envelope=envelope))
            for envelope in jobs_events:
                payload = JOBS.registry.parse(envelope.type, envelope.data)
                if isinstance(payload, MemberPlaced | FollowUpRecorded | PlacementEnded | TrainingCompleted):
                    async with conn.transaction():
                        for projection in JOBS.projections:
                            await projection.apply(conn, envelope, payload)
        assert await ledger() == first
        assert await candidates() == await tiers(stack)

        async with stack.jobs.pool.acquire() as conn:
            await rebuild_projections(conn, JOBS)
        assert await ledger() == first
        assert await candidates() == await tiers(stack)
    # what the ledger reads per village is the sum of its months
    months = await stack.jobs.pool.fetch(
        """SELECT division_code, sum(people_placed)::int AS placed, sum(placements_ended)::int AS ended,
                  sum(followed_up_3m)::int AS f3, sum(retained_3m)::int AS r3
           FROM ledger_months GROUP BY 1 ORDER BY 1"""
    )
    totals = await stack.jobs.pool.fetch(
        """SELECT division_code, people_placed AS placed, placements_ended AS ended, followed_up_3m AS f3,
                  retained_3m AS r3 FROM ledger_totals ORDER BY 1"""
    )
    assert [dict(r) for r in months] == [dict(r) for r in totals] and len(totals) == 2

    # an upgrade's fill (migrations 0010 and 0011 over the tables already there) gives what the projections keep
    derived = ("household_employment", "candidates", "ledger_months", "ledger_totals", "ledger_households")
    fills = [
        statement
        for name in ("0010_candidates.sql", "0011_employment_ledger_counts.sql")
        for statement in (files("kite_jobs.migrations") / name).read_text("utf-8").split(";\n")
        if statement.lstrip().startswith("INSERT")
    ]
    assert len(fills) == 5

    async def kept(conn) -> dict[str, list]:
        out = {}
        for table in derived:
            rows = [tuple(r) for r in await conn.fetch(f"SELECT * FROM {table}")]
            if table.startswith("ledger_"):  # a cell counted and then counted away is a row of zeros, never filled
                rows = [r for r in rows if any(v for v in r if isinstance(v, int))]
            out[table] = sorted(rows)
        return out

    async with stack.jobs.pool.acquire() as conn:
        live = await kept(conn)
        tx = conn.transaction()
        await tx.start()
        try:
            await conn.execute(f"TRUNCATE {', '.join(derived)}")
            for statement in fills:
                await conn.execute(statement)
            filled = await kept(conn)
        finally:
            await tx.rollback()
    assert filled == live and len(live["candidates"]) == 3
