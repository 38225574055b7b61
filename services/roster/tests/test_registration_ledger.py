"""The registration ledger (外出务工人员台账) over real HTTP and PostgreSQL: its totals equal a recount
from the event store; read models rebuilt from events (one by one or in batches) equal the live ones."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from kite_common.bulk import append_new_streams
from kite_common.clock import utcnow
from kite_common.db.statements import run_writes
from kite_common.eventstore import PostgresEventStore
from kite_common.ids import new_id
from kite_common.privacy import FieldProtector
from kite_common.projection import apply_all
from kite_common.rebuild import rebuild_projections
from kite_common.runtime import ServiceRuntime
from kite_common.testing.stack import auth, running
from kite_roster.members.adapters.member_projection import MemberProjection
from kite_roster.members.adapters.pii_vault import PersonalNumbers, PiiVault
from kite_roster.members.adapters.registration_ledger import RegistrationLedgerProjection, fold_pending
from kite_roster.members.domain.member import Registration, register_new_member, stream_id
from kite_roster.members.workers.contact_check import run_contact_check_once
from kite_roster.service import SERVICE
from kite_roster.shared.identity import check_digit
from openpyxl import load_workbook

COUNTY = "522631"  # 黎平县
OTHER_COUNTY = "522632"  # 榕江县
ADMIN = auth(["admin"])
MY_TABLES = ("members", "member_movements", "registration_ledger")

# village, city, employer, industry
PEOPLE = [
    (f"{COUNTY}101001", "杭州", "杭州某电子厂", "制造业"),
    (f"{COUNTY}101001", "杭州", "杭州某电子厂", "制造业"),
    (f"{COUNTY}101001", "深圳", "深圳某建筑公司", "建筑业"),
    (f"{COUNTY}101002", "深圳", None, None),
    (f"{COUNTY}102001", "东莞", "东莞某鞋厂", "制造业"),
    (f"{COUNTY}102001", "杭州", "杭州某餐馆", "住宿和餐饮业"),
    (f"{COUNTY}102001", "宁波", None, "制造业"),
    (f"{OTHER_COUNTY}101001", "杭州", "杭州某电子厂", "制造业"),
    (f"{OTHER_COUNTY}101001", "广州", "广州某物流公司", "交通运输业"),
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
async def history(roster) -> list[str]:
    """Registrations, then moves, industry changes and deregistrations that shift the counts."""
    ids = []
    async with roster.client(headers=ADMIN) as http:
        for seq, (village, city, employer, industry) in enumerate(PEOPLE, start=1):
            created = await http.post(
                "/members",
                json={
                    "name": f"成员{seq}",
                    "id_number": id_number(seq, village[:6]),
                    "phone": f"138{seq:08d}",
                    "origin_division_code": village,
                    "current_city": city,
                    "employer": employer,
                    "industry": industry,
                },
            )
            assert created.status_code == 201, created.text
            ids.append(created.json()["member_id"])
        changes: list[tuple[str, str, dict[str, Any]]] = [
            (
                "POST",
                f"/members/{ids[0]}/relocations",
                {"current_city": "深圳", "employer": "深圳某电子厂", "moved_on": "2024-05-01"},
            ),
            (
                "POST",
                f"/members/{ids[0]}/relocations",
                {"current_city": "东莞", "employer": "东莞某鞋厂", "industry": "制造业", "moved_on": "2024-08-01"},
            ),
            (
                "POST",
                f"/members/{ids[3]}/relocations",
                {"current_city": "杭州", "employer": "杭州某电子厂", "industry": "制造业", "moved_on": "2024-06-01"},
            ),
            ("PATCH", f"/members/{ids[2]}", {"industry": "制造业"}),
            ("PATCH", f"/members/{ids[6]}", {"industry": None}),
            ("POST", f"/members/{ids[1]}/deregistration", {"reason": "returned-home"}),
            ("POST", f"/members/{ids[8]}/deregistration", {"reason": "deceased"}),
        ]
        for method, path, body in changes:
            response = await http.request(method, path, json=body)
            assert response.status_code in (200, 201), response.text
        assert await run_contact_check_once(runtime_of(roster), now=utcnow() + timedelta(days=400)) == 7
        for mid in (ids[4], ids[4], ids[5]):  # found again (restored), then an ordinary contact
            assert (await http.post(f"/members/{mid}/contacts", json={"channel": "phone"})).status_code == 201
    return ids


async def recount(roster) -> dict[str, dict[str, Any]]:
    """Each member's place, folded from the event store alone."""
    members: dict[str, dict[str, Any]] = {}
    for row in await roster.pool.fetch("SELECT type, data FROM events ORDER BY position"):
        kind, data = row["type"].split(".")[2], row["data"]
        if kind == "member-registered":
            members[data["member_id"]] = {
                "origin": data["origin_division_code"],
                "city": data["current_city"],
                "employer": data["employer"] or "",
                "industry": data["industry"] or "",
                "active": True,
            }
        elif kind == "member-relocated":
            m = members[data["member_id"]]
            m.update(city=data["current_city"], employer=data["employer"] or "", industry=data["industry"] or "")
        elif kind == "member-updated" and "industry" in data["changed"]:
            members[data["member_id"]]["industry"] = data["industry"] or ""
        elif kind == "member-deregistered":
            members[data["member_id"]]["active"] = False
    return members


def expected(members: dict[str, dict[str, Any]], by: str, area: str, digits: int = 6) -> Counter[str]:
    active = [m for m in members.values() if m["active"] and m["origin"].startswith(area)]
    if by == "origin":
        return Counter(m["origin"][: max(digits, len(area))] for m in active)
    return Counter(m[by] for m in active)


async def test_ledger_totals_equal_a_recount_from_the_event_store(roster, history):
    members = await recount(roster)
    for headers, area in ((ADMIN, ""), (auth(["viewer"], COUNTY), COUNTY)):
        async with roster.client(headers=headers) as http:
            for by in ("city", "industry", "employer", "origin"):
                response = await http.get("/ledgers/registration", params={"by": by})
                assert response.status_code == 200, response.text
                ledger = response.json()
                want = expected(members, by, area)
                assert {r["key"]: r["members"] for r in ledger["rows"]} == dict(want), (by, area)
                assert ledger["total"] == sum(want.values()) == sum(r["members"] for r in ledger["rows"])
                assert ledger["area"] == area and ledger["truncated"] is False
            villages = (await http.get("/ledgers/registration", params={"by": "origin", "level": "village"})).json()
            assert {r["key"]: r["members"] for r in villages["rows"]} == dict(expected(members, "origin", area, 12))
            township = f"{COUNTY}102"
            narrow = (await http.get("/ledgers/registration", params={"by": "city", "origin": township})).json()
            assert {r["key"]: r["members"] for r in narrow["rows"]} == dict(expected(members, "city", township))


async def test_ledger_rows_read_as_people_expect(roster, history):
    async with roster.client(headers=auth(["registrar"], COUNTY)) as http:
        by_city = (await http.get("/ledgers/registration", params={"by": "city"})).json()
        by_employer = (await http.get("/ledgers/registration", params={"by": "employer"})).json()
        by_origin = (await http.get("/ledgers/registration", params={"by": "origin"})).json()
        top = (await http.get("/ledgers/registration", params={"by": "city", "limit": 1})).json()
    counts = [r["members"] for r in by_city["rows"]]
    assert counts == sorted(counts, reverse=True)
    assert {"key": "", "label": "未填写", "members": 1} in by_employer["rows"]
    assert by_origin["rows"] == [{"key": COUNTY, "label": "贵州省黔东南苗族侗族自治州黎平县", "members": 6}]
    assert len(top["rows"]) == 1 and top["truncated"] is True and top["total"] == by_city["total"]


async def test_ledger_is_limited_to_the_jurisdiction(roster, history):
    async with roster.client(headers=auth(["viewer"], OTHER_COUNTY)) as http:
        mine = (await http.get("/ledgers/registration", params={"by": "city"})).json()
        assert (mine["total"], mine["rows"]) == (1, [{"key": "杭州", "label": "杭州", "members": 1}])
        outside = await http.get("/ledgers/registration", params={"origin": COUNTY})
        assert outside.status_code == 403 and outside.json()["detail"] == "该地区不在您的管辖范围内"
        wider = (await http.get("/ledgers/registration", params={"origin": "52"})).json()
        assert wider["area"] == OTHER_COUNTY and wider["total"] == 1
    async with roster.client(headers=auth(["registrar"], COUNTY)) as http:
        for params in ({"by": "age"}, {"origin": "52x"}, {"level": "province"}, {"format": "pdf"}, {"limit": 0}):
            assert (await http.get("/ledgers/registration", params=params)).status_code == 422, params
    async with roster.client(headers=auth(["member"], COUNTY)) as http:
        assert (await http.get("/ledgers/registration")).status_code == 403


async def test_ledger_downloads_as_csv_and_xlsx(roster, history):
    async with roster.client(headers=auth(["viewer"], COUNTY)) as http:
        as_json = (await http.get("/ledgers/registration", params={"by": "city"})).json()
        as_csv = await http.get("/ledgers/registration", params={"by": "city", "format": "csv"})
        as_xlsx = await http.get("/ledgers/registration", params={"by": "origin", "format": "xlsx", "level": "village"})
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in as_csv.headers["content-disposition"]
    lines = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert lines[0] == ["务工城市", "人数"]
    assert lines[1:-1] == [[r["label"], str(r["members"])] for r in as_json["rows"]]
    assert lines[-1] == ["合计", str(as_json["total"])]
    assert as_xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(as_xlsx.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("户籍地", "户籍地区划代码", "人数")
    assert rows[-1] == ("合计", None, as_json["total"])
    assert sum(r[2] for r in rows[1:-1]) == as_json["total"]


async def tables(roster) -> dict[str, list[Any]]:
    return {t: await roster.pool.fetch(f"SELECT * FROM {t} ORDER BY 1, 2, 3") for t in MY_TABLES}


async def test_rebuilt_read_models_equal_the_live_ones(roster, history):
    live = await tables(roster)
    assert all(live.values())
    async with roster.pool.acquire() as conn:
        await conn.execute("UPDATE registration_ledger SET members = members + 1")
        await conn.execute("DELETE FROM member_movements")
        await rebuild_projections(conn, SERVICE)
    assert await tables(roster) == live


async def test_applying_all_events_in_one_batch_equals_applying_them_one_by_one(roster, history):
    """The batch path (COPY, aggregated counters) that bulk imports use gives the same read models,
    also when one batch holds a member's registration and later changes."""
    live = await tables(roster)
    async with roster.pool.acquire() as conn, conn.transaction():
        store = PostgresEventStore(SERVICE.registry.source)
        items = [
            (stored.envelope, SERVICE.registry.parse(stored.envelope.type, stored.envelope.data))
            async for stored in store.iterate_all(conn)
        ]
        await conn.execute(f"TRUNCATE {', '.join(MY_TABLES)}")
        await apply_all(conn, [RegistrationLedgerProjection(), MemberProjection()], items)
    assert await tables(roster) == live


def test_the_ledger_sees_a_member_before_the_member_projection_moves_them():
    kinds = [type(p) for p in SERVICE.projections]
    assert kinds.index(RegistrationLedgerProjection) < kinds.index(MemberProjection)


async def _ledger_matches_a_recount(roster) -> None:
    members = await recount(roster)
    async with roster.client(headers=ADMIN) as http:
        for by in ("city", "industry", "employer", "origin"):
            ledger = (await http.get("/ledgers/registration", params={"by": by})).json()
            assert {r["key"]: r["members"] for r in ledger["rows"]} == dict(expected(members, by, "")), by


async def test_members_a_bulk_import_left_pending_are_counted_and_fold_into_the_same_counters(roster):
    """A bulk import appends its new members to the ledger's pending list (folded when it ends): the
    ledger reads the same before and after the fold, a change to a pending member folds their village
    first, and the folded counters equal a rebuild's."""
    items = []
    numbers = []
    for seq, (village, city, employer, industry) in enumerate(PEOPLE, start=1):
        registration = Registration(
            name=f"成员{seq}",
            id_number=id_number(seq, village[:6]),
            phone=f"138{seq:08d}",
            origin_division_code=village,
            current_city=city,
            employer=employer,
            is_party_member=False,
            industry=industry,
        )
        member_id = new_id()
        items.append((stream_id(member_id), register_new_member(member_id, registration, "bulk")))
        numbers.append((member_id, PersonalNumbers(registration.id_number, registration.phone)))
    vault = PiiVault(FieldProtector.from_settings())
    async with roster.pool.acquire() as conn, conn.transaction():
        await append_new_streams(conn, SERVICE.registry, SERVICE.projections, "roster.events", items)
        await run_writes(conn, [vault.storing(member_id, pair) for member_id, pair in numbers])
    assert await roster.pool.fetchval("SELECT count(*) FROM registration_ledger_pending") == len(PEOPLE)
    assert await roster.pool.fetchval("SELECT count(*) FROM registration_ledger") == 0
    await _ledger_matches_a_recount(roster)

    moved = items[0][0].removeprefix("member-")
    async with roster.client(headers=ADMIN) as http:
        response = await http.post(
            f"/members/{moved}/relocations", json={"current_city": "苏州", "employer": None, "moved_on": "2024-05-01"}
        )
        assert response.status_code == 201, response.text
    village = PEOPLE[0][0]
    left = await roster.pool.fetch("SELECT origin_division_code FROM registration_ledger_pending")
    assert village not in {r["origin_division_code"] for r in left} and len(left) == len(PEOPLE) - 3
    await _ledger_matches_a_recount(roster)

    async with roster.pool.acquire() as conn:
        await fold_pending(conn)
    assert await roster.pool.fetchval("SELECT count(*) FROM registration_ledger_pending") == 0
    await _ledger_matches_a_recount(roster)
    folded = await tables(roster)
    async with roster.pool.acquire() as conn:
        await rebuild_projections(conn, SERVICE)
    assert await tables(roster) == folded
