"""Member search over real HTTP and PostgreSQL: every filter, sort orders, cursors, jurisdiction."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from kite_common.auth import Principal
from kite_common.clock import utcnow
from kite_common.ids import new_id
from kite_common.runtime import ServiceRuntime
from kite_common.testing.stack import auth, running
from kite_roster.members.application.member_queries import MemberFilter, iterate_members
from kite_roster.members.workers.contact_check import run_contact_check_once
from kite_roster.service import SERVICE
from kite_roster.shared.identity import check_digit

COUNTY = "522631"  # 黎平县
OTHER_COUNTY = "522632"  # 榕江县
ADMIN = auth(["admin"])
REGISTRAR = auth(["registrar"], COUNTY)

# name, county, village, city, employer, industry, party
PEOPLE = [
    ("王小明", COUNTY, "101001", "杭州", "杭州某电子厂", "制造业", True),
    ("李小明明", COUNTY, "101001", "深圳", "深圳某建筑公司", "建筑业", False),
    ("欧阳小明", COUNTY, "102003", "杭州", "杭州某电子厂", "制造业", False),
    ("张明小", COUNTY, "102003", "杭州", None, None, True),
    ("王五", COUNTY, "101001", "宁波", "宁波某餐馆", "住宿和餐饮业", False),
    ("阿卜杜拉·买买提", COUNTY, "103001", "杭州", "杭州某电子厂", "制造业", False),
    ("王小明", OTHER_COUNTY, "101001", "杭州", "杭州某电子厂", "制造业", True),
]


def runtime_of(svc) -> ServiceRuntime:  # type: ignore[no-untyped-def]
    """The roster's runtime over the test service's pool (what a worker is handed)."""
    return ServiceRuntime(SERVICE, svc.pool, svc.kafka)


def id_number(seq: int, area: str) -> str:
    first17 = f"{area}19900101{seq:03d}"
    return first17 + check_digit(first17)


@pytest.fixture
async def roster(infra, prefix):
    async with running(infra, SERVICE, prefix, roles=("api",)) as svc:
        yield svc


@pytest.fixture
async def people(roster) -> dict[tuple[str, str], str]:
    """(name, county) → member_id, registered in the order of PEOPLE."""
    ids = {}
    async with roster.client(headers=ADMIN) as http:
        for seq, (name, county, village, city, employer, industry, party) in enumerate(PEOPLE, start=1):
            created = await http.post(
                "/members",
                json={
                    "name": name,
                    "id_number": id_number(seq, county),
                    "phone": f"138{seq:08d}",
                    "origin_division_code": county + village,
                    "current_city": city,
                    "employer": employer,
                    "industry": industry,
                    "is_party_member": party,
                },
            )
            assert created.status_code == 201, created.text
            ids[(name, county)] = created.json()["member_id"]
    return ids


async def names(http, **params: object) -> list[str]:
    response = await http.get("/members", params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    return [m["name"] for m in response.json()["items"]]


async def test_name_matches_any_part_and_one_character_is_the_surname(roster, people):
    async with roster.client(headers=REGISTRAR) as http:
        assert await names(http, name="小明") == ["王小明", "李小明明", "欧阳小明"]
        assert await names(http, name="阳小明") == ["欧阳小明"]
        assert await names(http, name="明小") == ["张明小"]
        assert await names(http, name="王") == ["王小明", "王五"]
        assert await names(http, name="买提") == ["阿卜杜拉·买买提"]
        assert await names(http, name="小%") == []
        assert await names(http, name="_") == []
        assert await names(http, name="明明明") == []


async def test_exact_id_number_and_phone_by_keyed_hash(roster, people):
    mine, theirs = people[("王小明", COUNTY)], people[("王小明", OTHER_COUNTY)]
    async with roster.client(headers=REGISTRAR) as http:
        by_id = (await http.get("/members", params={"id_number": id_number(1, COUNTY).lower()})).json()["items"]
        assert [m["member_id"] for m in by_id] == [mine]
        foreign = await http.get("/members", params={"id_number": id_number(7, OTHER_COUNTY)})
        assert foreign.json()["items"] == []
        by_phone = (await http.get("/members", params={"phone": "13800000002"})).json()["items"]
        assert [m["name"] for m in by_phone] == ["李小明明"]
        bad = await http.get("/members", params={"id_number": id_number(1, COUNTY)[:17] + "0"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "id_number"
        assert (await http.get("/members", params={"phone": "1380000"})).status_code == 422
    async with roster.client(headers=ADMIN) as http:
        by_id = (await http.get("/members", params={"id_number": id_number(7, OTHER_COUNTY)})).json()["items"]
        assert [m["member_id"] for m in by_id] == [theirs]


async def test_place_work_and_party_filters(roster, people):
    async with roster.client(headers=REGISTRAR) as http:
        assert await names(http, origin=f"{COUNTY}102") == ["欧阳小明", "张明小"]
        assert await names(http, origin=f"{COUNTY}101001", city="杭州") == ["王小明"]
        assert await names(http, employer="杭州某电子厂") == ["王小明", "欧阳小明", "阿卜杜拉·买买提"]
        assert await names(http, industry="建筑业") == ["李小明明"]
        assert await names(http, party=True) == ["王小明", "张明小"]
        assert await names(http, party=False, city="杭州") == ["欧阳小明", "阿卜杜拉·买买提"]
        assert await names(http, city="杭州", name="小明", party=True) == ["王小明"]
        # Asking for another county, or the whole province, stays within the jurisdiction.
        assert await names(http, origin=OTHER_COUNTY) == []
        assert len(await names(http, origin="52")) == 6
    async with roster.client(headers=ADMIN) as http:
        assert await names(http, name="王小明") == ["王小明", "王小明"]
        assert await names(http, origin=OTHER_COUNTY) == ["王小明"]
        # Across counties (the plain terms), and below a county (its own terms and the origin range).
        assert await names(http, employer="杭州某电子厂", origin="52") == [
            "王小明",
            "欧阳小明",
            "阿卜杜拉·买买提",
            "王小明",
        ]
        assert await names(http, city="深圳") == ["李小明明"]
        assert await names(http, industry="制造业", origin=f"{OTHER_COUNTY}101") == ["王小明"]
        assert await names(http, industry="制造业", origin=f"{COUNTY}102") == ["欧阳小明"]


async def test_contact_and_member_status_filters(roster, people):
    lost_one, found_again = people[("王五", COUNTY)], people[("张明小", COUNTY)]
    assert await run_contact_check_once(runtime_of(roster), now=utcnow() + timedelta(days=400)) == 7
    async with roster.client(headers=REGISTRAR) as http:
        for mid in (found_again,):
            assert (await http.post(f"/members/{mid}/contacts", json={"channel": "visit"})).status_code == 201
        done = await http.post(f"/members/{lost_one}/deregistration", json={"reason": "deceased"})
        assert done.status_code == 200
        assert await names(http, contact_status="in-contact") == ["张明小"]
        assert await names(http, contact_status="lost") == ["王小明", "李小明明", "欧阳小明", "阿卜杜拉·买买提"]
        assert await names(http, contact_status="lost", status="all") == [
            "王小明",
            "李小明明",
            "欧阳小明",
            "王五",
            "阿卜杜拉·买买提",
        ]
        assert await names(http, status="deregistered") == ["王五"]
        assert (await http.get("/members", params={"contact_status": "missing"})).status_code == 422


async def test_sort_orders_page_through_everything_exactly_once(roster, people):
    everyone = [p for p in PEOPLE if p[1] == COUNTY]
    by_registration = [p[0] for p in everyone]
    by_name = [name for name, *_ in sorted(everyone, key=lambda p: (p[0], people[(p[0], p[1])]))]
    async with roster.client(headers=REGISTRAR) as http:
        for sort, expected in (
            ("registered", by_registration),
            ("-registered", list(reversed(by_registration))),
            ("name", by_name),
        ):
            seen: list[str] = []
            cursor = None
            while True:
                params = {"sort": sort, "limit": 2, **({"cursor": cursor} if cursor else {})}
                page = (await http.get("/members", params=params)).json()
                seen += [m["name"] for m in page["items"]]
                cursor = page["next_cursor"]
                if cursor is None:
                    break
            assert seen == expected, sort
        first = (await http.get("/members", params={"sort": "name", "limit": 2})).json()
        other_sort = await http.get("/members", params={"sort": "registered", "cursor": first["next_cursor"]})
        garbage = await http.get("/members", params={"cursor": "not-a-cursor"})
        assert other_sort.status_code == 400 and garbage.status_code == 400
        assert other_sort.json()["detail"] == "分页游标无效"
        assert (await http.get("/members", params={"sort": "age"})).status_code == 422


async def test_same_names_page_apart_by_id(roster):
    async with roster.client(headers=REGISTRAR) as http:
        for seq in range(1, 6):
            await http.post(
                "/members",
                json={
                    "name": "杨芳",
                    "id_number": id_number(seq, COUNTY),
                    "phone": f"138{seq:08d}",
                    "origin_division_code": f"{COUNTY}101001",
                    "current_city": "杭州",
                },
            )
        seen, cursor = [], None
        while True:
            page = (
                await http.get(
                    "/members", params={"sort": "name", "limit": 2, **({"cursor": cursor} if cursor else {})}
                )
            ).json()
            seen += [m["member_id"] for m in page["items"]]
            if not (cursor := page["next_cursor"]):
                break
    assert seen == sorted(seen) and len(set(seen)) == 5


async def test_household_flags(roster, people):
    """Helper B's households tables (0003); rows are put there directly, as their projection would."""
    poor_household, other_household = new_id(), new_id()
    async with roster.pool.acquire() as conn:
        for hid, poverty, monitored in ((poor_household, True, True), (other_household, False, False)):
            await conn.execute(
                """INSERT INTO households (household_id, division_code, head_name, poverty_registered, relocated,
                       monitored, registered_at, version) VALUES ($1, $2, '王大', $3, false, $4, now(), 1)""",
                hid,
                f"{COUNTY}101001",
                poverty,
                monitored,
            )
        for name, hid in (("王小明", poor_household), ("王五", poor_household), ("李小明明", other_household)):
            await conn.execute(
                "INSERT INTO household_members (member_id, household_id, joined_at) VALUES ($1, $2, now())",
                people[(name, COUNTY)],
                hid,
            )
    async with roster.client(headers=REGISTRAR) as http:
        assert await names(http, poverty_registered=True) == ["王小明", "王五"]
        assert await names(http, monitored=True, name="小明") == ["王小明"]
        assert await names(http, poverty_registered=False) == ["李小明明", "欧阳小明", "张明小", "阿卜杜拉·买买提"]
        assert await names(http, relocated=True) == []


async def test_iterate_members_streams_every_match_in_order_for_exports(roster, people):
    clerk = Principal("clerk", frozenset({"registrar"}), COUNTY)
    async with roster.pool.acquire() as conn:
        streamed = [r["name"] async for r in iterate_members(conn, clerk, MemberFilter(current_city="杭州"), batch=2)]
        by_name = [r["name"] async for r in iterate_members(conn, clerk, MemberFilter(name="小明"), sort="name")]
        nothing = [r async for r in iterate_members(conn, clerk, MemberFilter(origin_prefix=OTHER_COUNTY))]
    assert streamed == ["王小明", "欧阳小明", "张明小", "阿卜杜拉·买买提"]
    assert by_name == sorted(["王小明", "李小明明", "欧阳小明"])
    assert nothing == []


async def test_personal_numbers_searched_for_never_reach_a_log_line(roster, people, caplog):
    caplog.set_level(logging.DEBUG)
    wanted_id, wanted_phone, wrong_id = id_number(1, COUNTY), "13800000002", id_number(1, COUNTY)[:17] + "0"
    async with roster.client(headers=REGISTRAR) as http:
        for params in ({"id_number": wanted_id}, {"phone": wanted_phone}, {"id_number": wrong_id}):
            await http.get("/members", params=params)
    access = [r.getMessage() for r in caplog.records if r.name == "uvicorn.access"]
    assert any(f"/members?id_number={wanted_id[:6]}********{wanted_id[-4:]}" in line for line in access), access
    everything = "\n".join(r.getMessage() for r in caplog.records)
    for number in (wanted_id, wanted_phone, wrong_id):
        assert number not in everything
