"""Roster over real HTTP, PostgreSQL and Kafka."""

from __future__ import annotations

import asyncio

import pytest
from kite_common.ids import new_id
from kite_common.rebuild import rebuild_projections
from kite_common.testing.stack import answer, auth, running
from kite_roster.service import SERVICE
from kite_roster.shared.identity import check_digit

COUNTY = "522631"  # 黎平县, 贵州


def id_number(seq: int, birth: str = "19900101", area: str = COUNTY) -> str:
    first17 = f"{area}{birth}{seq:03d}"
    return first17 + check_digit(first17)


def member_body(seq: int, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "name": "张三",
        "id_number": id_number(seq),
        "phone": f"138{seq:08d}",
        "origin_division_code": f"{COUNTY}101001",
        "current_city": "杭州",
        "employer": "杭州某电子厂",
        "is_party_member": True,
        "skills": ["电工", "焊工"],
    }
    body.update(overrides)
    return body


@pytest.fixture
async def roster(infra, prefix):
    async with running(infra, SERVICE, prefix, roles=("api", "relay")) as svc:
        yield svc


async def test_register_get_and_list_mask_personal_numbers(roster):
    async with roster.client(headers=auth(["registrar"], COUNTY)) as http:
        created = await http.post("/members", json=member_body(11))
        assert created.status_code == 201, created.text
        member = created.json()
        assert member["id_number"] == id_number(11)[:6] + "********" + id_number(11)[-4:]
        assert member["phone"] == "138****0011"
        assert created.headers["location"] == f"/members/{member['member_id']}"

        got = await http.get(f"/members/{member['member_id']}")
        assert got.status_code == 200
        assert got.json() == member
        assert got.headers["etag"] == created.headers["etag"]

        listed = await http.get("/members", params={"city": "杭州"})
        assert [m["member_id"] for m in listed.json()["items"]] == [member["member_id"]]


async def test_the_201_is_the_member_as_stored_with_every_field_given(roster):
    """The registration answers from what it wrote, not by reading the row back: it must still be
    exactly what a GET then returns (trimmed, cleaned, defaults of a new row)."""
    body = member_body(
        12,
        name=" 李四 ",
        current_city=" 宁波 ",
        employer="  ",
        industry="制造业",
        languages=["布依语"],
        disability="视力",
        union_member=True,
        skills=["焊工", "电工", "焊工"],
        gender="female",
    )
    async with roster.client(headers=auth(["registrar"], COUNTY)) as http:
        created = await http.post("/members", json=body)
        assert created.status_code == 201, created.text
        got = await http.get(created.headers["location"])
        assert got.json() == created.json()
        assert got.headers["etag"] == created.headers["etag"]


async def test_personal_numbers_are_encrypted_at_rest_and_absent_from_events(roster):
    async with roster.client(headers=auth(["registrar"], COUNTY)) as http:
        created = await http.post("/members", json=member_body(12))
    assert created.status_code == 201
    raw_id, phone = id_number(12), "13800000012"
    dump = await roster.pool.fetchval(
        "SELECT string_agg(t::text, '|') FROM (SELECT * FROM member_pii) t"
    ) + await roster.pool.fetchval("SELECT string_agg(data::text, '|') FROM events")
    assert raw_id not in dump and phone not in dump
    assert raw_id[-8:] not in dump


async def test_second_registration_of_same_id_number_names_the_first(roster):
    async with roster.client(headers=auth(["registrar"], COUNTY)) as http:
        first = (await http.post("/members", json=member_body(13))).json()
        second = await http.post("/members", json=member_body(13, phone="13900000000", name="李四"))
    assert second.status_code == 409
    problem = second.json()
    assert second.headers["content-type"].startswith("application/problem+json")
    assert problem["existing_member_id"] == first["member_id"]
    assert await roster.pool.fetchval("SELECT count(*) FROM members") == 1
    # The refused registration's event, projections and outbox row went in one statement with the
    # numbers: none of them is kept.
    assert await roster.pool.fetchval("SELECT count(*) FROM events") == 1
    assert await roster.pool.fetchval("SELECT sum(members) FROM registration_ledger WHERE dimension = 'city'") == 1
    assert await roster.pool.fetchval("SELECT count(*) FROM member_pii") == 1


async def test_an_id_number_registered_in_another_county_names_nobody(roster):
    async with roster.client() as http:
        first = await http.post("/members", json=member_body(18), headers=auth(["registrar"], COUNTY))
        assert first.status_code == 201
        elsewhere = member_body(18, origin_division_code="520102001001", phone="13900000018")
        second = await http.post("/members", json=elsewhere, headers=auth(["registrar"], "520102"))
    assert second.status_code == 409
    problem = second.json()
    assert problem["type"].endswith("/duplicate-id-number")
    assert problem["detail"] == "该身份证号已在其他地区登记，请联系其所在地区核实"
    assert set(problem) == {"type", "title", "status", "detail", "instance", "request_id"}
    assert first.json()["member_id"] not in second.text and COUNTY not in second.text
    assert await roster.pool.fetchval("SELECT count(*) FROM members") == 1


async def test_another_countys_member_answers_like_an_id_nobody_has(roster):
    """Reading, changing or acting on a member outside the jurisdiction answers exactly as for a
    random id: the status, the problem type, the title and the detail, no more."""
    async with roster.client() as http:
        created = await http.post("/members", json=member_body(19), headers=auth(["registrar"], COUNTY))
        theirs, nobodys = created.json()["member_id"], str(new_id())
        other = auth(["registrar", "pii-reader"], "520102")
        for method, path, body in (
            ("GET", "/members/{}", None),
            ("GET", "/members/{}/history", None),
            ("GET", "/members/{}/movements", None),
            ("PATCH", "/members/{}", {"name": "王五"}),
            ("POST", "/members/{}/personal-numbers:reveal", {"reason": "核实身份信息"}),
        ):
            seen = [
                await http.request(method, path.format(member_id), json=body, headers=other)
                for member_id in (theirs, nobodys)
            ]
            assert seen[0].status_code == 404, (method, path, seen[0].text)
            assert answer(seen[0]) == answer(seen[1]), (method, path)
            assert seen[0].headers.keys() == seen[1].headers.keys()
            assert seen[0].json()["detail"] == "未找到该人员"


async def test_concurrent_registrations_of_one_person_store_one(roster):
    async with roster.client(headers=auth(["registrar"], COUNTY)) as http:
        results = await asyncio.gather(*(http.post("/members", json=member_body(14)) for _ in range(4)))
    assert sorted(r.status_code for r in results) == [201, 409, 409, 409]
    assert await roster.pool.fetchval("SELECT count(*) FROM events") == 1


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"id_number": id_number(15)[:17] + ("0" if id_number(15)[17] != "0" else "1")}, "id_number"),
        ({"origin_division_code": "52263"}, "origin_division_code"),
        ({"phone": "12345"}, "phone"),
        ({"is_party_member": "maybe"}, "is_party_member"),
        ({"name": None}, "name"),
        ({"languages": ["普通话", "藏" * 21]}, "languages.1"),
        ({"languages": ["普通话"] * 11}, "languages"),
        ({"union_member": "yes please"}, "union_member"),
        ({"disability": ""}, "disability"),
        ({"industry": "x" * 31}, "industry"),
        ({"origin_division_code": "999999101001"}, "origin_division_code"),
    ],
)
async def test_bad_input_is_a_problem_and_stores_nothing(roster, override, field):
    async with roster.client(headers=auth(["registrar"], COUNTY)) as http:
        response = await http.post("/members", json=member_body(15, **override))
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["status"] == 422
    assert field in problem["detail"] or any(e.get("field") == field for e in problem.get("errors", []))
    assert await roster.pool.fetchval("SELECT count(*) FROM events") == 0


async def test_missing_forged_and_foreign_tokens_are_refused(roster):
    async with roster.client() as http:
        assert (await http.get("/members")).status_code == 401
        forged = {"Authorization": "Bearer " + auth()["Authorization"].split()[1][:-4] + "AAAA"}
        assert (await http.get("/members", headers=forged)).status_code == 401
        created = await http.post("/members", json=member_body(16), headers=auth(["registrar"], COUNTY))
        other_county = auth(["registrar"], "520102")
        theirs = await http.get(f"/members/{created.json()['member_id']}", headers=other_county)
        assert answer(theirs) == answer(await http.get(f"/members/{new_id()}", headers=other_county))
        assert theirs.status_code == 404
        assert (await http.get("/members", headers=other_county)).json()["items"] == []
        foreign = await http.post("/members", json=member_body(17), headers=other_county)
        assert foreign.status_code == 403
    assert await roster.pool.fetchval("SELECT count(*) FROM members") == 1


async def test_huge_body_is_refused(roster):
    async with roster.client(headers=auth(["registrar"], COUNTY)) as http:
        response = await http.post(
            "/members", content=b"{" + b" " * 2_000_000 + b"}", headers={"content-type": "application/json"}
        )
    assert response.status_code == 413
    assert response.json()["title"] == "请求体过大"


async def test_metrics_count_requests_by_route_template_without_ids(roster):
    async with roster.client(headers=auth(["registrar"], COUNTY)) as http:
        created = await http.post("/members", json=member_body(18))
        await http.get(f"/members/{created.json()['member_id']}")
        metrics = (await http.get("/metrics")).text
    assert 'route="/members/{member_id}"' in metrics and 'status="200"' in metrics
    assert created.json()["member_id"] not in metrics


async def test_rebuilt_member_read_model_equals_the_live_one_and_keeps_personal_numbers(roster):
    async with roster.client(headers=auth(["registrar"], COUNTY)) as http:
        for seq in range(20, 26):
            assert (
                await http.post("/members", json=member_body(seq, current_city=f"城市{seq % 3}"))
            ).status_code == 201
        before = (await http.get("/members", params={"limit": 50})).json()
    live = await roster.pool.fetch("SELECT * FROM members ORDER BY member_id")
    async with roster.pool.acquire() as conn:
        await conn.execute("UPDATE members SET current_city = 'drift'")
        assert await rebuild_projections(conn, SERVICE) == 6
    assert await roster.pool.fetch("SELECT * FROM members ORDER BY member_id") == live
    async with roster.client(headers=auth(["registrar"], COUNTY)) as http:
        assert (await http.get("/members", params={"limit": 50})).json() == before
