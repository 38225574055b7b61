"""Editing, relocating, contacting and deregistering members over real HTTP and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from kite_common.ids import new_id
from kite_common.testing.stack import answer, auth, running
from kite_roster.service import SERVICE
from kite_roster.shared.identity import check_digit

COUNTY = "522631"  # 黎平县
OTHER_COUNTY = "520102"
REGISTRAR = auth(["registrar"], COUNTY)


def id_number(seq: int, area: str = COUNTY) -> str:
    first17 = f"{area}19900101{seq:03d}"
    return first17 + check_digit(first17)


def member_body(seq: int, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "name": "杨阿妹",
        "id_number": id_number(seq),
        "phone": f"138{seq:08d}",
        "origin_division_code": f"{COUNTY}101001",
        "current_city": "杭州",
        "employer": "杭州某电子厂",
        "skills": ["电工"],
        "industry": "制造业",
        "languages": ["苗语", "普通话"],
    }
    body.update(overrides)
    return body


@pytest.fixture
async def roster(infra, prefix):
    async with running(infra, SERVICE, prefix, roles=("api",)) as svc:
        yield svc


async def register(http, seq: int, **overrides: object) -> dict[str, object]:
    created = await http.post("/members", json=member_body(seq, **overrides))
    assert created.status_code == 201, created.text
    return created.json()


async def snapshot(roster) -> tuple[object, ...]:
    """Everything a refused request must leave as it was."""
    return (
        await roster.pool.fetch("SELECT * FROM events ORDER BY position"),
        await roster.pool.fetch("SELECT * FROM members ORDER BY member_id"),
        await roster.pool.fetch("SELECT * FROM member_pii ORDER BY member_id"),
        await roster.pool.fetch("SELECT * FROM member_movements ORDER BY member_id, version"),
        await roster.pool.fetch("SELECT * FROM registration_ledger ORDER BY 1, 2, 3"),
    )


async def test_registration_keeps_the_profile(roster):
    async with roster.client(headers=REGISTRAR) as http:
        member = await register(http, 1, disability="肢体残疾四级", union_member=True)
        got = await http.get(f"/members/{member['member_id']}")
    assert got.headers["etag"] == '"1"'
    body = got.json()
    assert body["languages"] == ["苗语", "普通话"]
    assert (body["industry"], body["disability"], body["union_member"]) == ("制造业", "肢体残疾四级", True)
    assert (body["status"], body["contact_status"], body["last_contact_at"]) == ("active", "in-contact", None)


async def test_edit_changes_only_the_given_fields_and_records_them(roster):
    async with roster.client(headers=REGISTRAR) as http:
        member = await register(http, 2)
        mid = member["member_id"]
        edited = await http.patch(
            f"/members/{mid}",
            json={"languages": ["普通话", "苗语", "侗语"], "industry": None, "disability": "听力残疾三级"},
            headers={"If-Match": '"1"'},
        )
        assert edited.status_code == 200, edited.text
        assert edited.headers["etag"] == '"2"'
        body = edited.json()
        assert body["languages"] == ["普通话", "苗语", "侗语"]
        assert body["industry"] is None and body["disability"] == "听力残疾三级"
        assert (body["name"], body["skills"], body["current_city"]) == ("杨阿妹", ["电工"], "杭州")
        # The same values again: nothing to record, the version stays.
        again = await http.patch(f"/members/{mid}", json={"disability": "听力残疾三级"})
        assert again.status_code == 200 and again.json()["version"] == 2
    event = await roster.pool.fetchrow("SELECT type, data FROM events WHERE stream_version = 2")
    assert event["type"] == "kite.roster.member-updated.v1"
    assert event["data"]["changed"] == ["languages", "disability", "industry"]
    assert event["data"]["phone_changed"] is False


async def test_a_new_phone_is_stored_encrypted_and_the_event_only_says_it_changed(roster):
    async with roster.client(headers=REGISTRAR) as http:
        member = await register(http, 3)
        mid = member["member_id"]
        before = await roster.pool.fetchrow("SELECT * FROM member_pii")
        edited = await http.patch(f"/members/{mid}", json={"phone": "13912345678", "name": "杨阿梅"})
        assert edited.status_code == 200, edited.text
        assert edited.json()["phone"] == "139****5678" and edited.json()["name"] == "杨阿梅"
        found = await http.get("/members", params={"phone": "13912345678"})
        assert [m["member_id"] for m in found.json()["items"]] == [mid]
        assert (await http.get("/members", params={"phone": "13800000003"})).json()["items"] == []
        renamed = (await http.get("/members", params={"name": "阿梅"})).json()["items"]
        assert [m["member_id"] for m in renamed] == [mid]
        assert (await http.get("/members", params={"name": "阿妹"})).json()["items"] == []
    after = await roster.pool.fetchrow("SELECT * FROM member_pii")
    assert after["phone_enc"] != before["phone_enc"] and after["phone_hash"] != before["phone_hash"]
    assert after["id_number_enc"] == before["id_number_enc"]
    data = await roster.pool.fetchval("SELECT data::text FROM events WHERE type = 'kite.roster.member-updated.v1'")
    assert "13912345678" not in data and '"phone_changed": true' in data and '"phone"' in data
    assert "13912345678" not in await roster.pool.fetchval("SELECT string_agg(t::text, '|') FROM member_pii t")


async def test_a_stale_if_match_is_refused_and_changes_nothing(roster):
    async with roster.client(headers=REGISTRAR) as http:
        mid = (await register(http, 4))["member_id"]
        assert (await http.patch(f"/members/{mid}", json={"skills": ["焊工"]})).status_code == 200
        before = await snapshot(roster)
        for method, path, body in (
            ("PATCH", f"/members/{mid}", {"skills": ["木工"]}),
            ("POST", f"/members/{mid}/relocations", {"current_city": "深圳", "moved_on": "2025-01-01"}),
            ("POST", f"/members/{mid}/deregistration", {"reason": "returned-home"}),
        ):
            stale = await http.request(method, path, json=body, headers={"If-Match": '"1"'})
            assert stale.status_code == 412, stale.text
            assert stale.json()["current_version"] == 2
            assert stale.json()["type"].endswith("/stale-version")
            assert stale.headers["content-type"].startswith("application/problem+json")
        assert await snapshot(roster) == before
        bad = await http.patch(f"/members/{mid}", json={"skills": ["木工"]}, headers={"If-Match": "latest"})
        assert bad.status_code == 400


async def test_concurrent_edits_with_the_same_version_store_one(roster):
    async with roster.client(headers=REGISTRAR) as http:
        mid = (await register(http, 5))["member_id"]
        results = await asyncio.gather(
            *(
                http.patch(f"/members/{mid}", json={"skills": [f"技能{i}"]}, headers={"If-Match": '"1"'})
                for i in range(4)
            )
        )
    assert sorted(r.status_code for r in results) == [200, 412, 412, 412]
    assert await roster.pool.fetchval("SELECT count(*) FROM events") == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, ""),
        ({"name": None}, "name"),
        ({"name": ""}, "name"),
        ({"phone": "12345"}, "phone"),
        ({"skills": None}, "skills"),
        ({"union_member": "maybe"}, "union_member"),
        ({"languages": ["普通话"] * 11}, "languages"),
        ({"id_number": "522631199001010011"}, "id_number"),
        ({"current_city": "深圳"}, "current_city"),
    ],
)
async def test_a_bad_edit_is_a_problem_and_changes_nothing(roster, body, field):
    async with roster.client(headers=REGISTRAR) as http:
        mid = (await register(http, 6))["member_id"]
        before = await snapshot(roster)
        response = await http.patch(f"/members/{mid}", json=body)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["status"] == 422 and problem["detail"]
    assert any(e["field"] == field for e in problem["errors"])
    assert await snapshot(roster) == before


async def test_relocations_keep_the_history_of_movements(roster):
    async with roster.client(headers=REGISTRAR) as http:
        mid = (await register(http, 7))["member_id"]
        first = await http.post(
            f"/members/{mid}/relocations",
            json={"current_city": "深圳", "employer": "深圳某建筑公司", "industry": "建筑业", "moved_on": "2024-03-01"},
        )
        assert first.status_code == 201, first.text
        assert first.headers["location"] == f"/members/{mid}/movements"
        assert (first.json()["current_city"], first.json()["employer"]) == ("深圳", "深圳某建筑公司")
        second = await http.post(
            f"/members/{mid}/relocations",
            json={"current_city": "东莞", "employer": None, "moved_on": "2024-09-15"},
            headers={"If-Match": first.headers["etag"]},
        )
        assert second.status_code == 201, second.text
        assert (second.json()["current_city"], second.json()["employer"], second.json()["industry"]) == (
            "东莞",
            None,
            "建筑业",
        )
        movements = (await http.get(f"/members/{mid}/movements")).json()["items"]
        earlier = await http.post(
            f"/members/{mid}/relocations", json={"current_city": "广州", "moved_on": "2024-05-01"}
        )
        future = await http.post(f"/members/{mid}/relocations", json={"current_city": "广州", "moved_on": "2999-01-01"})
        impossible = await http.post(
            f"/members/{mid}/relocations", json={"current_city": "广州", "moved_on": "2024-02-30"}
        )
    assert [(m["from_city"], m["to_city"], m["moved_on"]) for m in movements] == [
        ("杭州", "深圳", "2024-03-01"),
        ("深圳", "东莞", "2024-09-15"),
    ]
    assert movements[0]["from_employer"] == "杭州某电子厂" and movements[0]["from_industry"] == "制造业"
    assert movements[1]["to_employer"] is None and movements[1]["recorded_by"] == "tester"
    for refused in (earlier, future, impossible):
        assert refused.status_code == 422, refused.text
        assert any(e["field"] == "moved_on" for e in refused.json()["errors"])
    assert await roster.pool.fetchval("SELECT count(*) FROM member_movements") == 2


async def test_deregistration_closes_the_record_but_keeps_it(roster):
    async with roster.client(headers=REGISTRAR) as http:
        mid = (await register(http, 8))["member_id"]
        other = (await register(http, 9, name="李四"))["member_id"]
        done = await http.post(f"/members/{mid}/deregistration", json={"reason": "returned-home", "note": "回乡创业"})
        assert done.status_code == 200, done.text
        assert (done.json()["status"], done.json()["deregistered_reason"]) == ("deregistered", "returned-home")
        assert done.json()["deregistered_at"] is not None
        before = await snapshot(roster)
        refused = [
            await http.patch(f"/members/{mid}", json={"name": "杨二妹"}),
            await http.post(f"/members/{mid}/relocations", json={"current_city": "深圳", "moved_on": "2025-01-01"}),
            await http.post(f"/members/{mid}/deregistration", json={"reason": "deceased"}),
            await http.post(f"/members/{mid}/contacts", json={"channel": "phone"}),
        ]
        assert await snapshot(roster) == before
        # Still there, and found when asked for.
        assert (await http.get(f"/members/{mid}")).status_code == 200
        listed = (await http.get("/members")).json()["items"]
        gone = (await http.get("/members", params={"status": "deregistered"})).json()["items"]
        every = (await http.get("/members", params={"status": "all"})).json()["items"]
    for response in refused:
        assert response.status_code == 409, response.text
        assert response.json()["type"].endswith("/member-deregistered")
        assert "已注销" in response.json()["detail"] and "返乡" in response.json()["detail"]
    assert [m["member_id"] for m in listed] == [other]
    assert [m["member_id"] for m in gone] == [mid]
    assert {m["member_id"] for m in every} == {mid, other}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "bored"}, "reason"),
        ({}, "reason"),
        ({"reason": "other"}, ""),
        ({"reason": "moved-away", "note": "新号码13912345678"}, "note"),
        ({"reason": "moved-away", "extra": 1}, "extra"),
    ],
)
async def test_a_bad_deregistration_is_a_problem_and_changes_nothing(roster, body, field):
    async with roster.client(headers=REGISTRAR) as http:
        mid = (await register(http, 10))["member_id"]
        before = await snapshot(roster)
        response = await http.post(f"/members/{mid}/deregistration", json=body)
    assert response.status_code == 422, response.text
    assert any(e["field"] == field for e in response.json()["errors"])
    assert await snapshot(roster) == before


async def test_writes_and_reads_outside_the_jurisdiction_are_forbidden(roster):
    async with roster.client(headers=REGISTRAR) as http:
        mid = (await register(http, 11))["member_id"]
    before = await snapshot(roster)
    outsider = auth(["registrar"], OTHER_COUNTY)

    async def each(member_id: str) -> list:  # type: ignore[type-arg]
        return [
            await http.get(f"/members/{member_id}"),
            await http.get(f"/members/{member_id}/movements"),
            await http.get(f"/members/{member_id}/history"),
            await http.patch(f"/members/{member_id}", json={"name": "王五"}),
            await http.post(
                f"/members/{member_id}/relocations", json={"current_city": "深圳", "moved_on": "2025-01-01"}
            ),
            await http.post(f"/members/{member_id}/deregistration", json={"reason": "deceased"}),
            await http.post(f"/members/{member_id}/contacts", json={"channel": "visit"}),
        ]

    async with roster.client(headers=outsider) as http:
        responses, unknown = await each(mid), await each(str(new_id()))
    # Outside the jurisdiction the member answers exactly as an id nobody has.
    assert [r.status_code for r in responses] == [404] * len(responses)
    assert all(r.json()["detail"] == "未找到该人员" for r in responses)
    assert [answer(r) for r in responses] == [answer(r) for r in unknown]
    async with roster.client(headers=auth(["viewer"], COUNTY)) as http:
        read_only = await http.patch(f"/members/{mid}", json={"name": "王五"})
        assert read_only.status_code == 403
        assert (await http.get(f"/members/{mid}")).status_code == 200
    async with roster.client(headers=REGISTRAR) as http:
        missing = await http.patch("/members/0190a0a0-0000-7000-8000-000000000000", json={"name": "王五"})
        assert missing.status_code == 404
    assert await snapshot(roster) == before


async def test_contacts_are_recorded_and_history_lists_every_event_without_secrets(roster):
    async with roster.client(headers=REGISTRAR) as http:
        mid = (await register(http, 12))["member_id"]
        contacted = await http.post(
            f"/members/{mid}/contacts",
            json={"channel": "wechat", "note": "微信视频，在厂里一切正常", "contacted_at": "2025-05-01T10:00:00+08:00"},
        )
        assert contacted.status_code == 201, contacted.text
        assert contacted.json()["last_contact_at"].startswith("2025-05-01T02:00:00")
        late = await http.post(
            f"/members/{mid}/contacts", json={"channel": "phone", "contacted_at": "2025-04-01T10:00:00+08:00"}
        )
        assert late.json()["last_contact_at"].startswith("2025-05-01T02:00:00")
        naive = await http.post(
            f"/members/{mid}/contacts", json={"channel": "phone", "contacted_at": "2025-05-01T10:00"}
        )
        future = await http.post(
            f"/members/{mid}/contacts", json={"channel": "phone", "contacted_at": "2999-01-01T00:00:00+08:00"}
        )
        channel = await http.post(f"/members/{mid}/contacts", json={"channel": "pigeon"})
        assert [naive.status_code, future.status_code, channel.status_code] == [422, 422, 422]
        await http.patch(f"/members/{mid}", json={"phone": "13700000012"})
        history = (await http.get(f"/members/{mid}/history")).json()["items"]
    assert [h["type"] for h in history] == [
        "kite.roster.member-registered.v1",
        "kite.roster.member-contacted.v1",
        "kite.roster.member-contacted.v1",
        "kite.roster.member-updated.v1",
    ]
    assert [h["version"] for h in history] == [1, 2, 3, 4]
    assert history[1]["data"]["note"] == "微信视频，在厂里一切正常"
    text = str(history)
    assert id_number(12) not in text and "13800000012" not in text and "13700000012" not in text


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("relocations", {"moved_on": "2025-01-01"}, "current_city"),
        ("relocations", {"current_city": "", "moved_on": "2025-01-01"}, "current_city"),
        ("relocations", {"current_city": "深圳", "moved_on": "yesterday"}, "moved_on"),
        ("relocations", {"current_city": "杭州", "employer": "杭州某电子厂", "moved_on": "2025-01-01"}, "current_city"),
        ("relocations", {"current_city": "深圳", "industry": "", "moved_on": "2025-01-01"}, "industry"),
        ("contacts", {"channel": "phone", "note": "x" * 201}, "note"),
        ("contacts", {"channel": "phone", "note": "身份证 " + id_number(99)}, "note"),
        ("contacts", {}, "channel"),
    ],
)
async def test_a_bad_relocation_or_contact_is_a_problem_and_changes_nothing(roster, path, body, field):
    async with roster.client(headers=REGISTRAR) as http:
        mid = (await register(http, 13))["member_id"]
        before = await snapshot(roster)
        response = await http.post(f"/members/{mid}/{path}", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert any(e["field"] == field for e in response.json()["errors"]), response.json()
    assert await snapshot(roster) == before
