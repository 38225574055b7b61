"""Party membership over real HTTP and PostgreSQL: record and 转正, status, the three-way coverage
(流出地/区域/行业: join, transfer, leave), org-life sessions with attendance, monthly dues."""

from __future__ import annotations

import json
import uuid

import pytest
from kite_common.rebuild import rebuild_projections
from kite_common.testing.stack import answer, auth, running
from kite_roster.service import SERVICE
from kite_roster.shared.identity import check_digit

COUNTY = "522631"  # 黎平县
COUNTY_CODE = f"{COUNTY}000000"
ORIGIN = f"{COUNTY}101001"
OTHER_COUNTY = "520102"  # 南明区
PARTY = auth(["party-affairs"], COUNTY)
OTHER = auth(["party-affairs"], OTHER_COUNTY)
PARTY_TABLES = (
    "party_members",
    "branch_memberships",
    "dues_payments",
    "dues_reminders",
    "org_life_sessions",
    "org_life_attendance",
    "party_origin_counts",
    "party_dues_counts",
    "branch_counts",
    "branch_dues_counts",
    "org_life_monthly",
)


@pytest.fixture
async def roster(infra, prefix):
    async with running(infra, SERVICE, prefix, roles=("api",)) as svc:
        yield svc


def id_number(seq: int, area: str) -> str:
    first17 = f"{area}19900101{seq:03d}"
    return first17 + check_digit(first17)


async def member(roster, seq: int, origin: str = ORIGIN, name: str = "王孟") -> str:  # type: ignore[no-untyped-def]
    body = {
        "name": name,
        "id_number": id_number(seq, origin[:6]),
        "phone": f"138{seq:08d}",
        "origin_division_code": origin,
        "current_city": "杭州",
        "employer": "杭州某酒店",
        "is_party_member": False,
    }
    async with roster.client(headers=auth(["registrar"], origin[:6])) as http:
        created = await http.post("/members", json=body)
    assert created.status_code == 201, created.text
    return created.json()["member_id"]  # type: ignore[no-any-return]


async def organisation(http, name: str, kind: str, parent: str | None = None, **fields: object) -> str:  # type: ignore[no-untyped-def]
    body = {"name": name, "kind": kind, "division_code": COUNTY_CODE, "parent_id": parent, **fields}

    created = await http.post("/organisations", json=body)
    assert created.status_code == 201, created.text
    return created.json()["organisation_id"]  # type: ignore[no-any-return]


async def branches(http) -> dict[str, str]:  # type: ignore[no-untyped-def]
    committee = await organisation(http, "黎平县委", "party-committee")
    outstation = await organisation(http, "黎平县驻杭流动党员党委", "party-committee", committee, host_city="杭州")
    return {
        "committee": committee,
        "origin": await organisation(
            http, "德凤镇驻杭流动党员党支部", "outstation-branch", outstation, host_city="杭州"
        ),
        "origin2": await organisation(
            http, "高屯镇驻杭流动党员党支部", "outstation-branch", outstation, host_city="杭州"
        ),
        "region": await organisation(http, "西湖区流动党员党支部", "outstation-branch", outstation, host_city="杭州"),
        "region2": await organisation(http, "萧山区流动党员党支部", "outstation-branch", outstation, host_city="杭州"),
        "industry": await organisation(http, "驻杭餐饮业党支部", "branch", outstation, host_city="杭州"),
        "station": await organisation(http, "黎平县驻杭服务站", "service-station", committee, host_city="杭州"),
    }


async def record(http, member_id: str, joined_on: str = "2020-07-01", probationary: bool = False):  # type: ignore[no-untyped-def]
    body = {"member_id": member_id, "joined_on": joined_on, "probationary": probationary}
    return await http.post("/party-members", json=body)


async def events(roster) -> int:  # type: ignore[no-untyped-def]
    return await roster.pool.fetchval("SELECT count(*) FROM events")  # type: ignore[no-any-return]


def problem_code(response) -> str:  # type: ignore[no-untyped-def]
    return response.json()["type"].rsplit("/", 1)[1]  # type: ignore[no-any-return]


async def test_a_probationary_member_is_confirmed_only_after_a_year_and_only_once(roster):
    member_id = await member(roster, 1)
    async with roster.client(headers=PARTY) as http:
        created = await record(http, member_id, "2024-05-01", probationary=True)
        assert created.status_code == 201, created.text
        assert created.headers["etag"] == '"1"' and created.headers["location"] == f"/party-members/{member_id}"
        body = created.json()
        assert (body["probationary_until"], body["awaiting_confirmation"], body["status_label"]) == (
            "2025-05-01",
            True,
            "正常",
        )
        assert (await record(http, member_id)).status_code == 409
    async with roster.client(headers=auth(["registrar"], COUNTY)) as http:
        assert (await http.get(f"/members/{member_id}")).json()["is_party_member"] is True

    url = f"/party-members/{member_id}/confirmation"
    async with roster.client(headers=PARTY) as http:
        before = await events(roster)
        early = await http.post(url, json={"confirmed_on": "2025-04-30"})
        assert early.status_code == 422 and problem_code(early) == "probation-not-over"
        assert early.json()["probationary_until"] == "2025-05-01"
        future = await http.post(url, json={"confirmed_on": "2999-01-01"})
        assert future.status_code == 422 and future.json()["errors"][0]["field"] == "confirmed_on"
        stale = await http.post(url, json={"confirmed_on": "2025-05-01"}, headers={"If-Match": '"7"'})
        assert stale.status_code == 412 and stale.json()["current_version"] == 1
        assert await events(roster) == before

        confirmed = await http.post(url, json={"confirmed_on": "2025-05-01"}, headers={"If-Match": '"1"'})
        assert confirmed.status_code == 200, confirmed.text
        assert confirmed.headers["etag"] == '"2"'
        assert confirmed.json()["confirmed_on"] == "2025-05-01" and confirmed.json()["awaiting_confirmation"] is False
        again = await http.post(url, json={"confirmed_on": "2025-06-01"})
        assert again.status_code == 409 and problem_code(again) == "already-confirmed"

        due = await http.get("/party-members", params={"confirmation_due_by": "2026-01-01"})
        assert due.json()["items"] == []


async def test_three_way_coverage_join_transfer_and_leave(roster):
    member_id = await member(roster, 2)
    async with roster.client(headers=PARTY) as http:
        b = await branches(http)
        assert (await record(http, member_id)).status_code == 201
        url = f"/party-members/{member_id}/branches"
        for role in ("origin", "region", "industry"):
            joined = await http.post(url, json={"organisation_id": b[role], "role": role, "joined_on": "2021-03-01"})
            assert joined.status_code == 200, joined.text
        assert {(m["role"], m["organisation_id"]) for m in joined.json()["memberships"]} == {
            ("origin", b["origin"]),
            ("region", b["region"]),
            ("industry", b["industry"]),
        }
        assert joined.headers["etag"] == '"4"'

        before = await events(roster)
        second = await http.post(
            url, json={"organisation_id": b["origin2"], "role": "origin", "joined_on": "2022-01-01"}
        )
        assert second.status_code == 409 and problem_code(second) == "role-taken"
        assert "德凤镇驻杭流动党员党支部" in second.json()["detail"]
        assert second.json()["existing_organisation_id"] == b["origin"]
        station = await http.post(
            url, json={"organisation_id": b["station"], "role": "region", "joined_on": "2022-01-01"}
        )
        assert station.status_code == 422 and problem_code(station) == "not-a-branch"
        unknown = await http.post(
            url, json={"organisation_id": str(uuid.uuid4()), "role": "region", "joined_on": "2022-01-01"}
        )
        assert unknown.status_code == 422 and problem_code(unknown) == "organisation-not-found"
        assert await events(roster) == before

        listed = (await http.get(f"/organisations/{b['region']}/members")).json()["items"]
        assert [(m["member_id"], m["role_label"], m["party_status"]) for m in listed] == [(member_id, "区域", "normal")]
        assert (await http.get(f"/organisations/{b['region']}")).json()["members_count"] == 1

        moved = await http.post(
            f"{url}/region/transfer", json={"organisation_id": b["region2"], "transferred_on": "2023-05-01"}
        )
        assert moved.status_code == 200, moved.text
        assert {m["organisation_id"] for m in moved.json()["memberships"] if m["role"] == "region"} == {b["region2"]}
        assert (await http.get(f"/organisations/{b['region']}/members")).json()["items"] == []
        assert [m["member_id"] for m in (await http.get(f"/organisations/{b['region2']}/members")).json()["items"]] == [
            member_id
        ]

        left = await http.post(f"{url}/industry/leave", json={"left_on": "2024-01-01", "reason": "换行业"})
        assert left.status_code == 200
        assert {m["role"] for m in left.json()["memberships"]} == {"origin", "region"}
        nothing = await http.post(f"{url}/industry/leave", json={"left_on": "2024-01-01"})
        assert nothing.status_code == 409 and problem_code(nothing) == "no-membership"

        in_branch = await http.get("/party-members", params={"organisation": b["region2"]})
        assert [p["member_id"] for p in in_branch.json()["items"]] == [member_id]

    history = await roster.pool.fetch(
        "SELECT role, organisation_id::text, left_on::text FROM branch_memberships ORDER BY since_version"
    )
    assert [tuple(r) for r in history] == [
        ("origin", b["origin"], None),
        ("region", b["region"], "2023-05-01"),
        ("industry", b["industry"], "2024-01-01"),
        ("region", b["region2"], None),
    ]


async def test_a_deceased_member_leaves_every_branch_and_is_no_longer_counted_a_party_member(roster):
    member_id = await member(roster, 3)
    async with roster.client(headers=PARTY) as http:
        b = await branches(http)
        await record(http, member_id)
        url = f"/party-members/{member_id}"
        await http.post(
            f"{url}/branches", json={"organisation_id": b["origin"], "role": "origin", "joined_on": "2021-01-01"}
        )
        await http.post(
            f"{url}/branches", json={"organisation_id": b["region"], "role": "region", "joined_on": "2021-01-01"}
        )
        suspended = await http.post(
            f"{url}/status", json={"status": "suspended", "changed_on": "2025-01-01", "reason": "失联半年"}
        )
        assert suspended.status_code == 200 and suspended.json()["status_label"] == "停止党籍"
        assert len(suspended.json()["memberships"]) == 2
        died = await http.post(f"{url}/status", json={"status": "deceased", "changed_on": "2026-02-01"})
        assert died.status_code == 200, died.text
        assert died.json()["memberships"] == [] and died.json()["status"] == "deceased"
        back = await http.post(f"{url}/status", json={"status": "normal", "changed_on": "2026-03-01"})
        assert back.status_code == 409 and problem_code(back) == "status-transition"
        assert (await http.get(f"/organisations/{b['origin']}")).json()["members_count"] == 0
    async with roster.client(headers=auth(["registrar"], COUNTY)) as http:
        assert (await http.get(f"/members/{member_id}")).json()["is_party_member"] is False


async def test_deregistering_a_member_as_deceased_closes_their_party_record(roster):
    died, returned = await member(roster, 4), await member(roster, 5)
    async with roster.client(headers=PARTY) as http:
        b = await branches(http)
        for member_id in (died, returned):
            await record(http, member_id)
            joined = await http.post(
                f"/party-members/{member_id}/branches",
                json={"organisation_id": b["origin"], "role": "origin", "joined_on": "2021-01-01"},
            )
            assert joined.status_code == 200, joined.text
    async with roster.client(headers=auth(["registrar"], COUNTY)) as http:
        for member_id, reason in ((died, "deceased"), (returned, "returned-home")):
            gone = await http.post(f"/members/{member_id}/deregistration", json={"reason": reason})
            assert gone.status_code == 200, gone.text
    async with roster.client(headers=PARTY) as http:
        record_of_died = (await http.get(f"/party-members/{died}")).json()
        assert record_of_died["status"] == "deceased" and record_of_died["memberships"] == []
        # returning home is not leaving the Party: that record is untouched
        record_of_returned = (await http.get(f"/party-members/{returned}")).json()
        assert record_of_returned["status"] == "normal" and len(record_of_returned["memberships"]) == 1
        assert (await http.get(f"/organisations/{b['origin']}")).json()["members_count"] == 1


async def test_dues_once_a_month_with_corrections_and_none_for_a_non_party_member(roster):
    member_id, outsider = await member(roster, 4), await member(roster, 5, name="李四")
    async with roster.client(headers=PARTY) as http:
        await record(http, member_id, "2025-03-15")
        url = f"/party-members/{member_id}/dues"
        paid = await http.post(url, json={"month": "2026-10", "amount_fen": 1500, "paid_on": "2026-10-08"})
        assert paid.status_code == 200, paid.text
        assert paid.json() == [{"month": "2026-10", "amount_fen": 1500, "paid_on": "2026-10-08", "corrected": False}]

        before = await events(roster)
        twice = await http.post(url, json={"month": "2026-10", "amount_fen": 1500, "paid_on": "2026-10-09"})
        assert twice.status_code == 409 and twice.json()["existing_amount_fen"] == 1500
        early = await http.post(url, json={"month": "2025-02", "amount_fen": 100, "paid_on": "2026-10-09"})
        assert early.status_code == 422 and problem_code(early) == "month-before-joining"
        bad = await http.post(url, json={"month": "2026-13", "amount_fen": 100, "paid_on": "2026-10-09"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "month"
        none = await http.post(
            f"/party-members/{outsider}/dues", json={"month": "2026-10", "amount_fen": 100, "paid_on": "2026-10-09"}
        )
        assert none.status_code == 422 and problem_code(none) == "not-a-party-member"
        assert await events(roster) == before

        fixed = await http.post(
            url,
            json={
                "month": "2026-10",
                "amount_fen": 2000,
                "paid_on": "2026-10-08",
                "correction": True,
                "note": "按新工资",
            },
        )
        assert fixed.status_code == 200
        assert fixed.json() == [{"month": "2026-10", "amount_fen": 2000, "paid_on": "2026-10-08", "corrected": True}]
        assert (await http.get(url, params={"year": 2025})).json() == []
    assert (
        await roster.pool.fetchval("SELECT count(*) FROM dues_payments WHERE member_id = $1", uuid.UUID(outsider)) == 0
    )


async def test_an_org_life_session_records_attendance_of_the_whole_branch(roster):
    ids = [await member(roster, 10 + i, name=f"党员{i}") for i in range(3)]
    async with roster.client(headers=PARTY) as http:
        b = await branches(http)
        for member_id in ids:
            await record(http, member_id)
            joined = await http.post(
                f"/party-members/{member_id}/branches",
                json={"organisation_id": b["origin"], "role": "origin", "joined_on": "2022-01-01"},
            )
            assert joined.status_code == 200
        body = {
            "organisation_id": b["origin"],
            "kind": "theme-day",
            "mode": "online",
            "held_on": "2026-07-01",
            "topic": "学习党章，重温入党誓词",
            "attendance": [
                {"member_id": ids[0], "status": "present"},
                {"member_id": ids[1], "status": "absent", "reason": "夜班"},
            ],
        }
        held = await http.post("/org-life-sessions", json=body)
        assert held.status_code == 201, held.text
        session = held.json()
        assert (session["kind_label"], session["expected"], session["attended"]) == ("主题党日", 3, 1)
        assert {(a["member_id"], a["status"], a["reason"]) for a in session["attendance"]} == {
            (ids[0], "present", None),
            (ids[1], "absent", "夜班"),
            (ids[2], "absent", None),
        }
        assert (await http.get(held.headers["location"])).json() == session
        listed = (await http.get("/org-life-sessions", params={"organisation": b["origin"]})).json()["items"]
        assert [s["session_id"] for s in listed] == [session["session_id"]]

        before = await events(roster)
        again = await http.post("/org-life-sessions", json=body)
        assert again.status_code == 409 and again.json()["existing_session_id"] == session["session_id"]
        stranger = {**body, "topic": "党课", "attendance": [{"member_id": str(uuid.uuid4()), "status": "present"}]}
        refused = await http.post("/org-life-sessions", json=stranger)
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "attendance.0.member_id"
        absent = {**body, "topic": "党课", "attendance": [{"member_id": ids[0], "status": "absent"}]}
        assert problem_code(await http.post("/org-life-sessions", json=absent)) == "reason-required"
        station = {**body, "organisation_id": b["station"], "attendance": []}
        assert problem_code(await http.post("/org-life-sessions", json=station)) == "not-a-branch"
        assert await events(roster) == before


async def test_outside_the_jurisdiction_answers_as_unknown(roster):
    ours, theirs = await member(roster, 20), await member(roster, 21, origin="520102001001")
    async with roster.client(headers=OTHER) as http:
        their_committee = await organisation(http, "南明区委", "party-committee", division_code="520102000000")
        their_branch = await organisation(
            http, "南明区驻杭支部", "outstation-branch", their_committee, division_code="520102000000", host_city="杭州"
        )
    async with roster.client(headers=PARTY) as http:
        before = await events(roster)
        refused, unknown = await record(http, theirs), await record(http, str(uuid.uuid4()))
        assert unknown.status_code == 404
        assert answer(refused) == answer(unknown)
        assert (await record(http, ours)).status_code == 201
        after_record = await events(roster)
        branches = f"/party-members/{ours}/branches"
        joined, nowhere = [
            await http.post(branches, json={"organisation_id": branch, "role": "region", "joined_on": "2022-01-01"})
            for branch in (their_branch, str(uuid.uuid4()))
        ]
        assert joined.status_code == 422 and joined.json()["errors"][0]["field"] == "organisation_id"
        assert answer(joined) == answer(nowhere)
        assert "南明" not in joined.text
        assert await events(roster) == after_record == before + 1
    async with roster.client(headers=OTHER) as http:
        read, unknown = await http.get(f"/party-members/{ours}"), await http.get(f"/party-members/{uuid.uuid4()}")
        assert read.status_code == 404 and answer(read) == answer(unknown)
        assert (await http.get("/party-members")).json()["items"] == []
        dues = {"month": "2026-10", "amount_fen": 100, "paid_on": "2026-10-01"}
        paid = await http.post(f"/party-members/{ours}/dues", json=dues)
        unknown = await http.post(f"/party-members/{uuid.uuid4()}/dues", json=dues)
        assert paid.status_code == 404 and answer(paid) == answer(unknown)
    async with roster.client(headers=auth(["registrar"], COUNTY)) as http:
        assert (await http.post(f"/party-members/{ours}/dues", json=dues)).status_code == 403
        assert (await http.get(f"/party-members/{ours}")).status_code == 403


async def test_the_rebuilt_party_read_models_equal_the_live_ones(roster):
    ids = [await member(roster, 30 + i, name=f"党员{i}") for i in range(4)]
    async with roster.client(headers=PARTY) as http:
        b = await branches(http)
        for i, member_id in enumerate(ids):
            await record(http, member_id, f"202{i}-06-01", probationary=i % 2 == 0)
            url = f"/party-members/{member_id}"
            await http.post(
                f"{url}/branches", json={"organisation_id": b["origin"], "role": "origin", "joined_on": "2024-01-01"}
            )
            if i < 2:
                await http.post(
                    f"{url}/branches",
                    json={"organisation_id": b["region"], "role": "region", "joined_on": "2024-01-01"},
                )
            await http.post(f"{url}/dues", json={"month": "2026-09", "amount_fen": 100 + i, "paid_on": "2026-09-05"})
        await http.post(
            f"/party-members/{ids[0]}/branches/region/transfer",
            json={"organisation_id": b["region2"], "transferred_on": "2025-01-01"},
        )
        await http.post(
            f"/party-members/{ids[1]}/status", json={"status": "transferred-out", "changed_on": "2026-01-01"}
        )
        await http.post(
            f"/party-members/{ids[2]}/dues",
            json={"month": "2026-09", "amount_fen": 900, "paid_on": "2026-09-06", "correction": True},
        )
        session = {
            "organisation_id": b["origin"],
            "kind": "party-lecture",
            "held_on": "2026-08-01",
            "topic": "党课",
            "attendance": [{"member_id": ids[0], "status": "online"}],
        }
        assert (await http.post("/org-life-sessions", json=session)).status_code == 201
    live = {t: await roster.pool.fetch(f"SELECT * FROM {t} ORDER BY 1, 2") for t in PARTY_TABLES}
    flags = await roster.pool.fetch("SELECT member_id, is_party_member FROM members ORDER BY member_id")
    assert live["party_members"] and live["org_life_attendance"] and live["branch_dues_counts"]
    async with roster.pool.acquire() as conn:
        await conn.execute("UPDATE branch_counts SET members = 99; UPDATE members SET is_party_member = false")
        await rebuild_projections(conn, SERVICE)
    assert {t: await roster.pool.fetch(f"SELECT * FROM {t} ORDER BY 1, 2") for t in PARTY_TABLES} == live
    assert await roster.pool.fetch("SELECT member_id, is_party_member FROM members ORDER BY member_id") == flags


async def test_a_branch_announces_a_session_ahead_and_bad_plans_change_nothing(roster):
    async with roster.client(headers=PARTY) as http:
        b = await branches(http)
        body = {
            "organisation_id": b["origin"],
            "kind": "branch-general-meeting",
            "starts_at": "2099-12-05T19:30:00+08:00",
            "place": "杭州市西湖区文三路 驻杭服务站二楼会议室",
            "topic": "学习贯彻全会精神",
        }
        planned = await http.post("/org-life-session-plans", json=body)
        assert planned.status_code == 201, planned.text
        plan = planned.json()
        assert (plan["organisation_name"], plan["kind_label"], plan["mode"]) == (
            "德凤镇驻杭流动党员党支部",
            "支部党员大会",
            "in-person",
        )
        assert plan["planned_by"] and plan["place"] == body["place"]
        stored = await roster.pool.fetchrow(
            "SELECT data FROM events WHERE type = 'kite.roster.org-life-session-planned.v1'"
        )
        event = json.loads(stored["data"]) if isinstance(stored["data"], str) else stored["data"]
        assert (event["division_code"], event["session_id"], event["topic"]) == (
            COUNTY_CODE,
            plan["session_id"],
            "学习贯彻全会精神",
        )

        before = await events(roster)
        for bad, code in (
            ({**body, "starts_at": "2020-01-01T09:00:00+08:00"}, "start-in-past"),
            ({**body, "organisation_id": b["station"]}, "not-a-branch"),
            ({**body, "organisation_id": str(uuid.uuid4())}, "organisation-not-found"),
            ({**body, "place": "   "}, "validation"),
        ):
            refused = await http.post("/org-life-session-plans", json=bad)
            assert refused.status_code == 422, refused.text
            assert problem_code(refused) == code and refused.json()["detail"]
        naive = await http.post("/org-life-session-plans", json={**body, "starts_at": "2099-12-05T19:30:00"})
        assert naive.status_code == 422
        assert await events(roster) == before
    async with roster.client(headers=OTHER) as http:
        outside = await http.post("/org-life-session-plans", json=body)
        assert outside.status_code == 422 and problem_code(outside) == "organisation-not-found"
