"""The party ledger (党员台账) over real HTTP and PostgreSQL: members and three-way coverage, dues
compliance, attendance, branches, lost members; totals equal a recount from the event store;
CSV/XLSX downloads; jurisdiction; a rebuild gives the same ledger."""

from __future__ import annotations

import calendar
import csv
import io
import json
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from kite_common.clock import utcnow
from kite_common.rebuild import rebuild_projections
from kite_common.runtime import ServiceRuntime
from kite_common.testing.stack import answer, auth, running
from kite_roster.members.application.contact_check import mark_lost_members
from kite_roster.service import SERVICE
from kite_roster.shared.identity import check_digit
from openpyxl import load_workbook

COUNTY = "522631"  # 黎平县
COUNTY_CODE = f"{COUNTY}000000"
VILLAGE_A = f"{COUNTY}101001"
VILLAGE_B = f"{COUNTY}102003"
OTHER_COUNTY = "520102"  # 南明区
PARTY = auth(["party-affairs"], COUNTY)
MONTH = "2026-10"
PERIOD = {"period_from": "2026-01", "period_to": "2026-11"}
BRANCH_KINDS = {"branch", "outstation-branch"}


@pytest.fixture
async def roster(infra, prefix):
    async with running(infra, SERVICE, prefix, roles=("api",)) as svc:
        yield svc


def id_number(seq: int, area: str) -> str:
    first17 = f"{area}19900101{seq:03d}"
    return first17 + check_digit(first17)


async def member(roster, seq: int, origin: str) -> str:  # type: ignore[no-untyped-def]
    body = {
        "name": f"党员{seq}",
        "id_number": id_number(seq, origin[:6]),
        "phone": f"138{seq:08d}",
        "origin_division_code": origin,
        "current_city": "杭州",
    }
    async with roster.client(headers=auth(["registrar"], origin[:6])) as http:
        created = await http.post("/members", json=body)
    assert created.status_code == 201, created.text
    return created.json()["member_id"]  # type: ignore[no-any-return]


async def ok(response) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    assert response.status_code in (200, 201), response.text
    return response.json()  # type: ignore[no-any-return]


async def organisation(http, name: str, kind: str, parent: str | None, **fields: object) -> str:  # type: ignore[no-untyped-def]
    body = {"name": name, "kind": kind, "division_code": COUNTY_CODE, "parent_id": parent, **fields}
    return (await ok(await http.post("/organisations", json=body)))["organisation_id"]  # type: ignore[no-any-return]


@dataclass
class Scenario:
    members: list[str]
    orgs: dict[str, str]
    outsider: str


async def scenario(roster) -> Scenario:  # type: ignore[no-untyped-def]
    """Eight party members of 黎平 in 杭州 (and one of another county), three branches of origin,
    a region branch, an industry branch, a village branch; statuses, transfers, dues and sessions."""
    m = [await member(roster, i, VILLAGE_A if i < 5 else VILLAGE_B) for i in range(8)]
    outsider = await member(roster, 50, "520102001001")
    async with roster.client(headers=PARTY) as http:
        committee = await organisation(http, "黎平县委", "party-committee", None)
        town = await organisation(http, "德凤镇", "township", committee, division_code=f"{COUNTY}101000")
        hz = await organisation(http, "黎平县驻杭流动党员党委", "party-committee", committee, host_city="杭州")
        o = {
            "committee": committee,
            "hz": hz,
            "origin1": await organisation(http, "德凤镇驻杭支部", "outstation-branch", hz, host_city="杭州"),
            "origin2": await organisation(http, "高屯镇驻杭支部", "outstation-branch", hz, host_city="杭州"),
            "region": await organisation(http, "西湖区支部", "outstation-branch", hz, host_city="杭州"),
            "industry": await organisation(http, "餐饮业支部", "branch", hz, host_city="杭州"),
            "village": await organisation(http, "某村党支部", "branch", town, division_code=f"{COUNTY}101001"),
            "spare": await organisation(http, "临时支部", "branch", hz, host_city="杭州"),
        }
        joined = ["2015-07-01", "2019-03-01", "2024-05-01", "2020-01-01", "2026-11-10", "2010-01-01", "2018-06-01",
                  "2025-09-01"]  # fmt: skip
        for i, member_id in enumerate(m):
            await ok(await http.post("/party-members", json={"member_id": member_id, "joined_on": joined[i],
                                                               "probationary": i in (2, 4, 7)}))  # fmt: skip

        def join(i: int, org: str, role: str, on: str = "2025-01-01"):  # type: ignore[no-untyped-def]
            body = {"organisation_id": o[org], "role": role, "joined_on": on}
            return http.post(f"/party-members/{m[i]}/branches", json=body)

        for i, org, role in [
            (0, "origin1", "origin"), (0, "region", "region"), (0, "industry", "industry"),
            (1, "origin1", "origin"), (1, "region", "region"),
            (2, "origin1", "origin"),
            (5, "origin2", "origin"), (5, "industry", "industry"),
            (6, "origin2", "origin"),
        ]:  # fmt: skip
            await ok(await join(i, org, role))
        await ok(await join(7, "village", "origin", "2025-10-01"))
        await ok(await join(7, "spare", "region", "2025-10-01"))
        await ok(await join(4, "origin1", "origin", "2026-11-15"))
        # m1's region branch is now the industry one.
        await ok(await http.post(f"/party-members/{m[1]}/branches/region/transfer",
                                 json={"organisation_id": o["industry"], "transferred_on": "2026-02-01"}))  # fmt: skip
        await ok(await http.post(f"/party-members/{m[2]}/confirmation", json={"confirmed_on": "2025-05-01"}))

        def dues(i: int, month: str, fen: int, **extra: object):  # type: ignore[no-untyped-def]
            body = {"month": month, "amount_fen": fen, "paid_on": "2026-10-20", **extra}
            return http.post(f"/party-members/{m[i]}/dues", json=body)

        for i in (0, 1, 5, 6):
            await ok(await dues(i, MONTH, 200 + i))
        await ok(await dues(0, MONTH, 500, correction=True))
        await ok(await dues(2, "2026-09", 100))
        await ok(await dues(3, MONTH, 100))  # then suspended: no longer counted as paid
        await ok(await dues(4, "2026-11", 100, paid_on="2026-11-20"))  # joined after October
        await ok(await http.post(f"/party-members/{m[3]}/status", json={"status": "suspended",
                                                                        "changed_on": "2026-10-25"}))  # fmt: skip
        await ok(await http.post(f"/party-members/{m[6]}/status", json={"status": "transferred-out",
                                                                        "changed_on": "2026-11-01"}))  # fmt: skip

        def session(org: str, held_on: str, topic: str, attendance: list[tuple[int, str]]):  # type: ignore[no-untyped-def]
            body = {
                "organisation_id": o[org],
                "kind": "branch-general-meeting",
                "held_on": held_on,
                "topic": topic,
                "attendance": [
                    {"member_id": m[i], "status": s, **({"reason": "请假"} if s == "absent" else {})}
                    for i, s in attendance
                ],
            }
            return http.post("/org-life-sessions", json=body)

        await ok(await session("origin1", "2026-03-05", "三月支部党员大会", [(0, "present"), (1, "absent")]))
        await ok(
            await session("origin1", "2026-10-05", "十月支部党员大会", [(0, "online"), (1, "present"), (2, "present")])
        )
        await ok(await session("industry", "2026-06-01", "行业党课", [(5, "present")]))
        await ok(await session("industry", "2025-12-01", "去年的党课", [(0, "present")]))  # before the period
        await ok(await session("spare", "2026-02-01", "撤销前", [(7, "present")]))
        # m7 leaves the spare branch, which is then dissolved: its sessions leave the ledger with it.
        await ok(await http.post(f"/party-members/{m[7]}/branches/region/leave", json={"left_on": "2026-03-01"}))
        await ok(await http.post(f"/organisations/{o['spare']}/dissolve",
                                 json={"dissolved_on": "2026-03-02", "reason": "合并"}))  # fmt: skip
    await lose_contact(roster, keep=[m[i] for i in (0, 2, 4, 5, 7)])
    return Scenario(m, o, outsider)


async def lose_contact(roster, keep: list[str]) -> None:  # type: ignore[no-untyped-def]
    """The contact check, run as if a year and more had passed, marks everyone lost (失联); a contact
    then restores those in `keep`. Both go through the member events."""
    runtime = ServiceRuntime(SERVICE, roster.pool, roster.kafka)
    assert await mark_lost_members(runtime, now=utcnow() + timedelta(days=400), quiet_period=timedelta(days=365))
    async with roster.client(headers=auth(["registrar"], COUNTY)) as http:
        for member_id in keep:
            await ok(await http.post(f"/members/{member_id}/contacts", json={"channel": "wechat"}))


@dataclass
class Party:
    origin: str
    joined_on: date
    probationary: bool
    confirmed: bool = False
    status: str = "normal"
    roles: dict[str, str] = field(default_factory=dict)
    paid: set[str] = field(default_factory=set)


async def recount(roster, origin_prefix: str, subtree_of: str | None = None) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The ledger, from the event store alone."""
    rows = await roster.pool.fetch("SELECT type, data FROM events ORDER BY position")
    party: dict[str, Party] = {}
    orgs: dict[str, dict[str, Any]] = {}
    sessions: list[dict[str, Any]] = []
    lost: set[str] = set()
    for row in rows:
        kind = row["type"].split(".")[2]
        d = row["data"] if isinstance(row["data"], dict) else json.loads(row["data"])
        if kind == "organisation-registered":
            orgs[d["organisation_id"]] = {**d, "dissolved": False}
        elif kind == "organisation-moved":
            orgs[d["organisation_id"]]["parent_id"] = d["to_parent_id"]
        elif kind == "organisation-dissolved":
            orgs[d["organisation_id"]]["dissolved"] = True
        elif kind == "party-membership-recorded":
            party[d["member_id"]] = Party(
                d["origin_division_code"], date.fromisoformat(d["joined_on"]), d["probationary"]
            )
        elif kind == "party-member-confirmed":
            party[d["member_id"]].confirmed = True
        elif kind == "party-status-changed":
            party[d["member_id"]].status = d["to_status"]
        elif kind == "branch-membership-joined":
            party[d["member_id"]].roles[d["role"]] = d["organisation_id"]
        elif kind == "branch-membership-left":
            del party[d["member_id"]].roles[d["role"]]
        elif kind == "branch-membership-transferred":
            party[d["member_id"]].roles[d["role"]] = d["to_organisation_id"]
        elif kind == "dues-paid":
            party[d["member_id"]].paid.add(d["month"])
        elif kind == "org-life-session-held":
            sessions.append(d)
        elif kind == "member-contact-lost":
            lost.add(d["member_id"])
        elif kind == "member-contact-restored":
            lost.discard(d["member_id"])

    def ancestors(org_id: str) -> set[str]:
        out = set()
        while org_id:
            out.add(org_id)
            org_id = orgs[org_id]["parent_id"]
        return out

    year, mon = map(int, MONTH.split("-"))
    month_end = date(year, mon, calendar.monthrange(year, mon)[1])
    mine = {k: p for k, p in party.items() if p.origin.startswith(origin_prefix)}
    counted = [p for p in mine.values() if p.status in ("normal", "suspended")]
    normal = [p for p in mine.values() if p.status == "normal"]
    coverage = defaultdict(int)
    for p in counted:
        coverage[len(p.roles)] += 1
    branches = {
        k: o
        for k, o in orgs.items()
        if o["kind"] in BRANCH_KINDS
        and not o["dissolved"]
        and o["division_code"].startswith(origin_prefix)
        and (subtree_of is None or subtree_of in ancestors(k))
    }
    per_branch: dict[str, dict[str, int]] = {
        k: defaultdict(int)
        for k in branches  # type: ignore[misc]
    }
    for p in party.values():
        for role, org in p.roles.items():
            if org in per_branch:
                per_branch[org]["members"] += 1
                per_branch[org][role] += 1
                if role == "origin" and p.status == "normal" and p.joined_on <= month_end:
                    per_branch[org]["dues_expected"] += 1
                    per_branch[org]["dues_paid"] += MONTH in p.paid
    period = (PERIOD["period_from"], PERIOD["period_to"])
    for s in sessions:
        if s["organisation_id"] in per_branch and period[0] <= s["held_on"][:7] <= period[1]:
            b = per_branch[s["organisation_id"]]
            b["sessions"] += 1
            b["attendance_expected"] += len(s["attendance"])
            b["attended"] += sum(a["status"] != "absent" for a in s["attendance"])
    return {
        "members": {
            "total": len(counted),
            "normal": len(normal),
            "probationary": sum(p.probationary and not p.confirmed for p in normal),
            "suspended": sum(p.status == "suspended" for p in mine.values()),
            "transferred_out": sum(p.status == "transferred-out" for p in mine.values()),
            "deceased": sum(p.status == "deceased" for p in mine.values()),
        },
        "coverage": {"three": coverage[3], "two": coverage[2], "one": coverage[1], "none": coverage[0]},
        "dues_paid": sum(MONTH in p.paid for p in normal),
        "dues_expected": sum(p.joined_on <= month_end for p in normal),
        "attendance": {
            k: sum(b[k] for b in per_branch.values()) for k in ("sessions", "attendance_expected", "attended")
        },
        "branches": {k: dict(v) for k, v in per_branch.items()},
        "lost": {k for k, p in mine.items() if k in lost and p.status in ("normal", "suspended")},
    }


def compare(ledger: dict[str, Any], expected: dict[str, Any]) -> None:
    assert ledger["members"] == expected["members"]
    assert ledger["coverage"] == expected["coverage"]
    assert (ledger["dues"]["paid"], ledger["dues"]["expected"]) == (expected["dues_paid"], expected["dues_expected"])
    att = ledger["attendance"]
    assert (att["sessions"], att["expected"], att["attended"]) == tuple(expected["attendance"].values())
    got = {b["organisation_id"]: b for b in ledger["branches"]["items"]}
    assert set(got) == set(expected["branches"]) and ledger["branches"]["total"] == len(got)
    for org_id, counts in expected["branches"].items():
        for key in ("members", "origin", "region", "industry", "dues_expected", "dues_paid", "sessions",
                    "attendance_expected", "attended"):  # fmt: skip
            assert got[org_id][key] == counts.get(key, 0), (got[org_id]["name"], key)
    assert {m["member_id"] for m in ledger["lost_members"]["items"]} == expected["lost"]
    assert ledger["lost_members"]["total"] == len(expected["lost"])


async def ledger(roster, headers=PARTY, **params: object):  # type: ignore[no-untyped-def]
    async with roster.client(headers=headers) as http:
        return await http.get("/ledgers/party", params={"month": MONTH, **PERIOD, **params})


async def test_ledger_totals_equal_a_recount_from_the_event_store(roster):
    s = await scenario(roster)
    response = await ledger(roster)
    assert response.status_code == 200, response.text
    body = response.json()
    compare(body, await recount(roster, COUNTY))

    # The same figures by hand, so that the recount itself is checked.
    assert body["members"] == {"total": 7, "normal": 6, "probationary": 2, "suspended": 1, "transferred_out": 1,
                               "deceased": 0}  # fmt: skip
    assert body["coverage"] == {"three": 1, "two": 2, "one": 3, "none": 1}
    assert body["dues"] == {"month": MONTH, "paid": 3, "expected": 5, "rate": 0.6}
    assert body["attendance"]["sessions"] == 3 and body["attendance"]["rate"] == round(5 / 9, 4)
    origin1 = next(b for b in body["branches"]["items"] if b["organisation_id"] == s.orgs["origin1"])
    assert (origin1["members"], origin1["dues_expected"], origin1["dues_paid"]) == (4, 3, 2)
    assert origin1["attendance_rate"] == round(4 / 6, 4)
    assert {m["name"] for m in body["lost_members"]["items"]} == {"党员1", "党员3"}
    assert s.orgs["spare"] not in {b["organisation_id"] for b in body["branches"]["items"]}

    village_b = (await ledger(roster, origin=VILLAGE_B)).json()
    compare(village_b, await recount(roster, VILLAGE_B))
    assert village_b["members"]["total"] == 2

    sub = await ledger(roster, organisation=s.orgs["hz"])
    assert sub.status_code == 200
    compare(sub.json(), await recount(roster, COUNTY, subtree_of=s.orgs["hz"]))
    assert (
        sub.json()["scope"]["origin"] == COUNTY and sub.json()["scope"]["organisation_name"] == "黎平县驻杭流动党员党委"
    )


async def test_branches_page_by_cursor_and_download_as_csv_and_xlsx(roster):
    await scenario(roster)
    body = (await ledger(roster)).json()
    seen, cursor = [], None
    while True:
        page = (await ledger(roster, limit=2, **({"cursor": cursor} if cursor else {}))).json()
        seen += page["branches"]["items"]
        if not (cursor := page["branches"]["next_cursor"]):
            break
    assert seen == body["branches"]["items"]

    csv_response = await ledger(roster, format="csv")
    assert csv_response.status_code == 200
    assert csv_response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    assert len(rows) == body["branches"]["total"]
    by_id = {r["组织编号"]: r for r in rows}
    for b in body["branches"]["items"]:
        assert by_id[b["organisation_id"]]["支部名称"] == b["name"]
        assert int(by_id[b["organisation_id"]]["在册党员"]) == b["members"]
        assert int(by_id[b["organisation_id"]]["已交党费人数"]) == b["dues_paid"]

    xlsx = await ledger(roster, format="xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content), read_only=True).active
    table = list(sheet.iter_rows(values_only=True))
    assert table[0][0] == "支部名称" and len(table) == 1 + body["branches"]["total"]

    lost = await ledger(roster, format="csv", section="lost")
    names = {r["姓名"] for r in csv.DictReader(io.StringIO(lost.content.decode("utf-8-sig")))}
    assert names == {m["name"] for m in body["lost_members"]["items"]}


async def test_the_ledger_keeps_to_the_jurisdiction(roster):
    s = await scenario(roster)
    other = auth(["party-affairs"], OTHER_COUNTY)
    # Another county's branch answers as an unknown one; an area outside is refused as such.
    their_branch = await ledger(roster, headers=other, organisation=s.orgs["hz"])
    nobodys = await ledger(roster, headers=other, organisation=str(uuid.uuid4()))
    assert their_branch.status_code == 404 and answer(their_branch) == answer(nobodys)
    assert (await ledger(roster, origin=OTHER_COUNTY)).status_code == 403
    assert (await ledger(roster, organisation=str(uuid.uuid4()))).status_code == 404
    theirs = (await ledger(roster, headers=other)).json()
    assert theirs["members"]["total"] == 0 and theirs["branches"]["items"] == []
    province = (await ledger(roster, headers=auth(["viewer"], "52"))).json()
    assert province["members"] == (await ledger(roster)).json()["members"]
    assert (await ledger(roster, headers=auth(["registrar"], COUNTY))).status_code == 403
    bad = await ledger(roster, month="2026-13")
    assert bad.status_code == 422
    backwards = await ledger(roster, period_from="2026-10", period_to="2026-01")
    assert backwards.status_code == 422


async def test_a_rebuild_gives_the_same_ledger(roster):
    s = await scenario(roster)
    before = (await ledger(roster)).json()
    assert before["lost_members"]["total"] == 2
    async with roster.pool.acquire() as conn:
        await conn.execute("UPDATE party_origin_counts SET members = members + 5; DELETE FROM branch_dues_counts")
        await rebuild_projections(conn, SERVICE)
    assert (await ledger(roster)).json() == before
    assert (await ledger(roster, organisation=s.orgs["hz"])).status_code == 200
