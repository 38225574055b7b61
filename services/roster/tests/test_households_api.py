"""Households (户) over real HTTP and PostgreSQL: register, flags, members, income reports."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from datetime import datetime

import pytest
from kite_common.rebuild import rebuild_projections
from kite_common.testing.stack import answer, auth, running
from kite_roster.service import SERVICE
from kite_roster.shared.identity import check_digit

COUNTY = "522631"  # 黎平县, 贵州
VILLAGE = f"{COUNTY}101001"
OTHER_VILLAGE = f"{COUNTY}205203"
OTHER_COUNTY = "520102"  # 南明区, 贵阳
PROVINCE = "52"

REGISTRAR = auth(["registrar"], COUNTY)
HOUSEHOLD_TABLES = ("households", "household_members", "household_incomes", "income_ledger_counts")


@pytest.fixture
async def roster(infra, prefix):
    async with running(infra, SERVICE, prefix, roles=("api",)) as svc:
        yield svc


def household_body(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "division_code": VILLAGE,
        "head_name": "吴老三",
        "address": "黎平县德凤镇某村3组",
        "poverty_registered": True,
        "relocated": True,
        "relocation_site": "汇丰园安置点",
        "monitored": True,
        "monitoring_category": "unstable",
    }
    body.update(overrides)
    return body


async def register_member(http, seq: int, origin: str = VILLAGE, name: str = "吴小妹") -> str:  # type: ignore[no-untyped-def]
    first17 = f"{origin[:6]}19950101{seq:03d}"
    body = {
        "name": name,
        "id_number": first17 + check_digit(first17),
        "phone": f"139{seq:08d}",
        "origin_division_code": origin,
        "current_city": "杭州",
    }
    created = await http.post("/members", json=body, headers=auth(["registrar"], origin[:6]))
    assert created.status_code == 201, created.text
    member_id: str = created.json()["member_id"]
    return member_id


async def register_household(http, **overrides: object) -> dict[str, object]:  # type: ignore[no-untyped-def]
    created = await http.post("/households", json=household_body(**overrides))
    assert created.status_code == 201, created.text
    household: dict[str, object] = created.json()
    return household


async def event_count(roster) -> int:  # type: ignore[no-untyped-def]
    count: int = await roster.pool.fetchval("SELECT count(*) FROM events")
    return count


async def snapshot(roster) -> dict[str, list[object]]:  # type: ignore[no-untyped-def]
    tables: dict[str, list[object]] = {
        t: list(await roster.pool.fetch(f"SELECT * FROM {t} ORDER BY 1, 2")) for t in HOUSEHOLD_TABLES
    }
    tables["members.household_id"] = list(
        await roster.pool.fetch("SELECT member_id, household_id FROM members ORDER BY member_id")
    )
    return tables


async def test_register_get_and_list_by_every_filter(roster):
    async with roster.client(headers=REGISTRAR) as http:
        created = await http.post("/households", json=household_body())
        assert created.status_code == 201, created.text
        household = created.json()
        assert created.headers["location"] == f"/households/{household['household_id']}"
        assert created.headers["etag"] == '"1"'
        assert household["relocation_site"] == "汇丰园安置点"
        assert household["monitoring_category_label"] == "脱贫不稳定户"
        assert (household["members"], household["incomes"], household["version"]) == ([], [], 1)

        got = await http.get(f"/households/{household['household_id']}")
        assert got.json() == household and got.headers["etag"] == '"1"'

        plain = await register_household(
            http, division_code=OTHER_VILLAGE, poverty_registered=False, relocated=False, relocation_site=None,
            monitored=False, monitoring_category=None,
        )  # fmt: skip
        both = {household["household_id"], plain["household_id"]}
        for params, expected in (
            ({}, both),
            ({"division": "522631101"}, {household["household_id"]}),
            ({"division": COUNTY}, both),
            ({"poverty_registered": "true"}, {household["household_id"]}),
            ({"poverty_registered": "false"}, {plain["household_id"]}),
            ({"relocated": "true"}, {household["household_id"]}),
            ({"relocation_site": "汇丰园安置点"}, {household["household_id"]}),
            ({"relocation_site": "珠海小区"}, set()),
            ({"monitored": "true"}, {household["household_id"]}),
            ({"monitoring_category": "unstable"}, {household["household_id"]}),
            ({"monitoring_category": "marginal"}, set()),
            ({"division": OTHER_COUNTY}, set()),
        ):
            listed = (await http.get("/households", params=params)).json()
            assert {h["household_id"] for h in listed["items"]} == expected, params
        exported = await http.get("/households", params={"relocated": "true", "format": "csv"})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [(r["户编号"], r["户主"], r["安置点"], r["监测类别"]) for r in rows] == [
        (household["household_id"], "吴老三", "汇丰园安置点", "脱贫不稳定户")
    ]


async def test_list_pages_through_the_jurisdiction_by_village_and_id(roster):
    async with roster.client(headers=REGISTRAR) as http:
        ids = [(await register_household(http, division_code=v))["household_id"] for v in [OTHER_VILLAGE, VILLAGE] * 3]
        seen: list[str] = []
        cursor = None
        while True:
            params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            page = (await http.get("/households", params=params)).json()
            seen += [h["household_id"] for h in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        rows = await roster.pool.fetch("SELECT household_id FROM households ORDER BY division_code, household_id")
        assert seen == [str(r["household_id"]) for r in rows] and sorted(seen) == sorted(ids)
        assert (await http.get("/households", params={"cursor": "not-a-cursor!"})).status_code == 400


async def test_members_join_move_between_households_and_leave(roster):
    async with roster.client(headers=REGISTRAR) as http:
        member = await register_member(http, 1, name="吴小妹")
        first = await register_household(http)
        second = await register_household(http, head_name="杨老四")

        joined = await http.post(f"/households/{first['household_id']}/members/{member}", json={"relation": "女儿"})
        assert joined.status_code == 200, joined.text
        assert joined.json()["members"] == [{"member_id": member, "name": "吴小妹"}]
        assert joined.headers["etag"] == '"2"'
        again = await http.post(f"/households/{first['household_id']}/members/{member}")
        assert again.status_code == 200 and again.json()["version"] == 2  # a retry changes nothing

        refused = await http.post(f"/households/{second['household_id']}/members/{member}")
        assert refused.status_code == 409
        assert refused.json()["type"].endswith("/member-in-other-household")
        assert refused.json()["household_id"] == first["household_id"]

        moved = await http.post(f"/households/{second['household_id']}/members/{member}", params={"move": "true"})
        assert moved.status_code == 200, moved.text
        assert [m["member_id"] for m in moved.json()["members"]] == [member]
        assert (await http.get(f"/households/{first['household_id']}")).json()["members"] == []
        assert str(await roster.pool.fetchval("SELECT household_id FROM members")) == second["household_id"]
        moves = await roster.pool.fetch(
            """SELECT stream_id, type, data FROM events WHERE type LIKE '%household-member-%'
               ORDER BY position"""
        )
        assert [(r["stream_id"], r["type"].split(".")[2]) for r in moves][-2:] == [
            (f"household-{first['household_id']}", "household-member-removed"),
            (f"household-{second['household_id']}", "household-member-added"),
        ]

        left = await http.delete(f"/households/{second['household_id']}/members/{member}")
        assert left.status_code == 200 and left.json()["members"] == []
        assert await roster.pool.fetchval("SELECT household_id FROM members") is None
        gone = await http.delete(f"/households/{second['household_id']}/members/{member}")
        assert gone.status_code == 404


async def test_two_households_racing_for_one_member_get_one(roster):
    async with roster.client(headers=REGISTRAR) as http:
        member = await register_member(http, 2)
        households = [(await register_household(http))["household_id"] for _ in range(2)]
        results = await asyncio.gather(*(http.post(f"/households/{h}/members/{member}") for h in households))
    assert sorted(r.status_code for r in results) == [200, 409]
    assert await roster.pool.fetchval("SELECT count(*) FROM household_members") == 1
    winner = next(h for h, r in zip(households, results, strict=True) if r.status_code == 200)
    assert next(r for r in results if r.status_code == 409).json()["household_id"] == winner


@pytest.mark.parametrize(
    ("case", "status", "field"),
    [
        ("relocated-without-site", 422, "relocation_site"),
        ("monitored-without-category", 422, "monitoring_category"),
        ("township-code", 422, "division_code"),
        ("unknown-county", 422, "division_code"),
        ("id-number-in-address", 422, "address"),
        ("unknown-member", 404, None),
        ("missing-household", 404, None),
        ("wrong-county-member", 422, "member_id"),
        ("deregistered-member", 422, "member_id"),
        ("flags-of-missing-household", 404, None),
        ("income-of-missing-household", 404, None),
    ],
)
async def test_bad_input_is_a_problem_and_changes_nothing(roster, case, status, field):
    province = auth(["registrar"], PROVINCE)
    async with roster.client(headers=province) as http:
        household = await register_household(http)
        hid = household["household_id"]
        local = await register_member(http, 3)
        foreign = await register_member(http, 4, origin=f"{OTHER_COUNTY}001001")
        await roster.pool.execute("UPDATE members SET status = 'deregistered' WHERE member_id = $1", uuid.UUID(local))
        missing = str(uuid.uuid4())
        before, tables = await event_count(roster), await snapshot(roster)
        requests = {
            "relocated-without-site": ("POST", "/households", household_body(relocation_site=None)),
            "monitored-without-category": ("POST", "/households", household_body(monitoring_category=None)),
            "township-code": ("POST", "/households", household_body(division_code=f"{COUNTY}101000")),
            "unknown-county": ("POST", "/households", household_body(division_code="529999101001")),
            "id-number-in-address": ("POST", "/households", household_body(address="身份证522631199501010011")),
            "unknown-member": ("POST", f"/households/{hid}/members/{missing}", None),
            "missing-household": ("POST", f"/households/{missing}/members/{foreign}", None),
            "wrong-county-member": ("POST", f"/households/{hid}/members/{foreign}", None),
            "deregistered-member": ("POST", f"/households/{hid}/members/{local}", None),
            "flags-of-missing-household": ("PATCH", f"/households/{missing}/flags", {"monitored": False}),
            "income-of-missing-household": (
                "POST",
                f"/households/{missing}/income-reports",
                {"year": 2023, "total_income": "1000", "household_size": 1},
            ),
        }
        method, url, body = requests[case]
        response = await http.request(method, url, json=body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == status and any("\u4e00" <= ch <= "\u9fff" for ch in problem["detail"])
    if field:
        assert [e["field"] for e in problem["errors"]] == [field]
    assert await event_count(roster) == before
    assert await snapshot(roster) == tables


async def test_outside_the_jurisdiction_answers_as_unknown_and_unlisted(roster):
    async with roster.client(headers=REGISTRAR) as http:
        household = await register_household(http)
        member = await register_member(http, 5)
        foreign_member = await register_member(http, 6, origin=f"{OTHER_COUNTY}001001")
    hid, missing = household["household_id"], str(uuid.uuid4())
    before = await event_count(roster)
    other = auth(["registrar", "viewer"], OTHER_COUNTY)
    report = {"year": 2023, "total_income": "1000", "household_size": 1}
    async with roster.client(headers=other) as http:
        # An existing household of another county answers exactly as an id nobody has.
        for method, path, body in (
            ("GET", "/households/{}", None),
            ("PATCH", "/households/{}/flags", {"monitored": False}),
            ("POST", "/households/{}/members/" + member, None),
            ("POST", "/households/{}/income-reports", report),
        ):
            theirs = await http.request(method, path.format(hid), json=body)
            nobodys = await http.request(method, path.format(missing), json=body)
            assert theirs.status_code == 404, (method, path, theirs.text)
            assert answer(theirs) == answer(nobodys), (method, path)
            assert theirs.json()["detail"] == "未找到该户"
        assert (await http.get("/households")).json()["items"] == []
        assert (await http.get("/households", params={"division": COUNTY})).json()["items"] == []
        # Registering in, or counting, an area outside is refused as such (no record's existence is told).
        assert (await http.post("/households", json=household_body())).status_code == 403
        assert (await http.get("/ledgers/income", params={"year": 2023, "origin": COUNTY})).status_code == 403
    async with roster.client(headers=auth(["viewer"], COUNTY)) as http:
        assert (await http.get(f"/households/{hid}")).status_code == 200
        assert (await http.patch(f"/households/{hid}/flags", json={"monitored": False})).status_code == 403
    async with roster.client(headers=REGISTRAR) as http:  # own household, a member from outside: as unknown
        theirs = await http.post(f"/households/{hid}/members/{foreign_member}")
        nobodys = await http.post(f"/households/{hid}/members/{uuid.uuid4()}")
        assert theirs.status_code == 404
        assert answer(theirs) == answer(nobodys)
        assert theirs.json()["detail"] == "未找到该人员"
    assert await event_count(roster) == before


async def test_flag_changes_honour_if_match(roster):
    async with roster.client(headers=REGISTRAR) as http:
        hid = (await register_household(http))["household_id"]
        url = f"/households/{hid}/flags"
        changed = await http.patch(
            url, json={"monitoring_category": "sudden-hardship", "relocated": False}, headers={"If-Match": '"1"'}
        )
        assert changed.status_code == 200, changed.text
        assert changed.headers["etag"] == '"2"'
        body = changed.json()
        assert (body["relocated"], body["relocation_site"]) == (False, None)
        assert (body["monitoring_category"], body["monitoring_category_label"]) == ("sudden-hardship", "突发严重困难户")

        stale = await http.patch(url, json={"poverty_registered": False}, headers={"If-Match": '"1"'})
        assert stale.status_code == 412
        assert stale.json()["current_version"] == 2
        assert (await http.get(f"/households/{hid}")).json() == body
        assert (await http.patch(url, json={}, headers={"If-Match": "abc"})).status_code == 400

        unchanged = await http.patch(url, json={"relocated": False}, headers={"If-Match": '"2"'})
        assert unchanged.status_code == 200 and unchanged.headers["etag"] == '"2"'
        member = await register_member(http, 7)
        assert (await http.post(f"/households/{hid}/members/{member}", headers={"If-Match": '"1"'})).status_code == 412
    assert await event_count(roster) == 3  # registered, flags changed, member registered


async def test_income_reports_are_corrected_by_later_ones_and_impossible_ones_refused(roster):
    async with roster.client(headers=REGISTRAR) as http:
        hid = (await register_household(http))["household_id"]
        url = f"/households/{hid}/income-reports"
        first = await http.post(url, json={"year": 2023, "total_income": "36000", "household_size": 4})
        assert first.status_code == 201, first.text
        assert [(i["year"], i["total_income"], i["per_capita_income"]) for i in first.json()["incomes"]] == [
            (2023, "36000.00", "9000.00")
        ]
        same = await http.post(url, json={"year": 2023, "total_income": 36000, "household_size": 4})
        assert same.status_code == 200 and same.json()["version"] == first.json()["version"]
        corrected = await http.post(url, json={"year": 2023, "total_income": "20000.5", "household_size": 3})
        assert corrected.status_code == 201
        await http.post(url, json={"year": 2022, "total_income": "15000", "household_size": 4})
        incomes = (await http.get(f"/households/{hid}")).json()["incomes"]
        assert [(i["year"], i["total_income"], i["household_size"], i["per_capita_income"]) for i in incomes] == [
            (2023, "20000.50", 3, "6666.83"),
            (2022, "15000.00", 4, "3750.00"),
        ]
        reports = await roster.pool.fetchval(
            "SELECT count(*) FROM events WHERE type LIKE '%household-income-reported%'"
        )
        assert reports == 3  # the corrected 2023 report stays in the history

        before = await event_count(roster)
        future = datetime.now().year + 2
        for body, field, words in (
            ({"year": future, "total_income": "1000", "household_size": 1}, "year", "未来"),
            ({"year": 1999, "total_income": "1000", "household_size": 1}, "year", "2000"),
            ({"year": 2023, "total_income": "-1", "household_size": 1}, "total_income", "负数"),
            ({"year": 2023, "total_income": "1000", "household_size": 0}, "household_size", "至少"),
            ({"year": 2023, "total_income": "1000.001", "household_size": 1}, "total_income", "两位小数"),
            ({"year": 2023, "total_income": "很多", "household_size": 1}, "total_income", ""),
        ):
            refused = await http.post(url, json=body)
            assert refused.status_code == 422, (body, refused.text)
            assert [e["field"] for e in refused.json()["errors"]] == [field]
            assert words in refused.json()["detail"]
        assert await event_count(roster) == before


async def test_rebuilt_household_read_models_equal_the_live_ones(roster):
    async with roster.client(headers=REGISTRAR) as http:
        members = [await register_member(http, 10 + i) for i in range(3)]
        a = (await register_household(http))["household_id"]
        b = (await register_household(http, division_code=OTHER_VILLAGE, relocated=False, relocation_site=None))[
            "household_id"
        ]
        await http.post(f"/households/{a}/members/{members[0]}")
        await http.post(f"/households/{a}/members/{members[1]}")
        await http.post(f"/households/{b}/members/{members[1]}", params={"move": "true"})
        await http.post(f"/households/{b}/members/{members[2]}")
        await http.delete(f"/households/{b}/members/{members[2]}")
        for hid, total in ((a, "26000"), (b, "50000"), (a, "40000")):
            await http.post(
                f"/households/{hid}/income-reports", json={"year": 2023, "total_income": total, "household_size": 4}
            )
        await http.patch(f"/households/{a}/flags", json={"monitored": False})
        ledger = (await http.get("/ledgers/income", params={"year": 2023})).json()
    live = await snapshot(roster)
    assert live["household_members"] and live["income_ledger_counts"]
    async with roster.pool.acquire() as conn:
        await conn.execute("UPDATE households SET head_name = 'drift'; UPDATE members SET household_id = NULL")
        await conn.execute("UPDATE income_ledger_counts SET households = households + 1")
        await rebuild_projections(conn, SERVICE)
    assert await snapshot(roster) == live
    async with roster.client(headers=REGISTRAR) as http:
        assert (await http.get("/ledgers/income", params={"year": 2023})).json() == ledger
